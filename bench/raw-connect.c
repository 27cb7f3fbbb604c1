/* The kernel's bound for discovery on loopback: blocking TCP connects, one
 * after the other, to every address x port given, counting the open ones.
 * stadscan's --discover-only is measured against this and against nmap -sT.
 *
 *   raw-connect FIRST_ADDRESS COUNT PORT...      (prints "open ADDR PORT" lines)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s FIRST_ADDRESS COUNT PORT...\n", argv[0]);
        return 2;
    }
    struct in_addr first;
    if (inet_pton(AF_INET, argv[1], &first) != 1 || (ntohl(first.s_addr) >> 24) != 127) {
        fprintf(stderr, "only 127.0.0.0/8 addresses\n");
        return 2;
    }
    long count = strtol(argv[2], NULL, 10);
    unsigned long base = ntohl(first.s_addr);
    for (long i = 0; i < count; i++) {
        for (int p = 3; p < argc; p++) {
            struct sockaddr_in sa = {0};
            sa.sin_family = AF_INET;
            sa.sin_port = htons((unsigned short)atoi(argv[p]));
            sa.sin_addr.s_addr = htonl(base + (unsigned long)i);
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            if (fd < 0) {
                perror("socket");
                return 1;
            }
            if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
                char text[INET_ADDRSTRLEN];
                inet_ntop(AF_INET, &sa.sin_addr, text, sizeof text);
                printf("open %s %s\n", text, argv[p]);
            }
            close(fd);
        }
    }
    return 0;
}
