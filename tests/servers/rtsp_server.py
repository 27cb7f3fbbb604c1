#!/usr/bin/env python3
"""A real RTSP server for tests/real_rtsp.rs: GStreamer's gst-rtsp-server
through its Python bindings (Debian: python3-gi, gir1.2-gst-rtsp-server-1.0,
gstreamer1.0-plugins-base and -good). It serves one generated test picture
(videotestsrc, small raw video over RTP, RFC 4175) at PATH and nothing at
`/`, as cameras do.

usage: rtsp_server.py ADDRESS PORT PATH
"""

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

PIPELINE = (
    "( videotestsrc is-live=true pattern=smpte "
    "! video/x-raw,format=RGB,width=160,height=120,framerate=5/1 "
    "! rtpvrawpay name=pay0 pt=96 )"
)


def main() -> None:
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    address, port, path = sys.argv[1:]
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(address)
    server.set_service(port)
    media = GstRtspServer.RTSPMediaFactory()
    media.set_launch(PIPELINE)
    media.set_shared(True)
    server.get_mount_points().add_factory(path, media)
    if server.attach(None) == 0:
        sys.exit(f"cannot listen on {address}:{port}")
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
