#!/usr/bin/env python3
"""Writes synthetic NVD CVE JSON 2.0 feed files for the import benchmark.

    python3 bench/nvd-feed-gen.py OUT_DIR [--cves 250000] [--files 10] [--gzip]

Each file is a year feed (`nvdcve-2.0-YEAR.json[.gz]`) shaped like the NVD's:
pretty-printed, every CVE with an English and a Spanish description, 6 to 14
references, a CVSS v3.1 metric (and a v4.0 one for every third), a CWE and
1 to 3 configurations of 1 to 6 CPE match criteria with version ranges;
a third of the configurations are "firmware running on hardware" (AND with a
`vulnerable = false` hardware node). That is about 7 KB of pretty-printed
JSON per CVE, so 250,000 CVEs are about 1.8 GB.

The products are `cpe:2.3:{a,o,h}:vendorV:productP...` with 4,000 vendors
of 5 products each, so `bench/nvd-match` (a benchmark binary) can make
assets that hit them. Deterministic: the same arguments give the same files.
"""

import argparse
import gzip
import json
import random
import uuid

VENDORS = 4000
PRODUCTS_PER_VENDOR = 5


def version(rng):
    return f"{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 40)}"


def criterion(rng, part, vendor, product, vulnerable):
    crit = f"cpe:2.3:{part}:vendor{vendor}:product{product}:*:*:*:*:*:*:*:*"
    entry = {
        "vulnerable": vulnerable,
        "criteria": crit,
        "matchCriteriaId": str(uuid.UUID(int=rng.getrandbits(128))).upper(),
    }
    if vulnerable:
        lo = version(rng)
        major, minor, patch = (int(x) for x in lo.split("."))
        entry["versionStartIncluding"] = lo
        entry["versionEndExcluding"] = f"{major}.{minor + rng.randint(1, 5)}.{patch}"
    return entry


def configurations(rng):
    out = []
    for _ in range(rng.randint(1, 3)):
        vendor = rng.randrange(VENDORS)
        if rng.random() < 1 / 3:
            product = rng.randrange(PRODUCTS_PER_VENDOR)
            out.append(
                {
                    "operator": "AND",
                    "nodes": [
                        {
                            "operator": "OR",
                            "negate": False,
                            "cpeMatch": [criterion(rng, "o", vendor, f"{product}_firmware", True)],
                        },
                        {
                            "operator": "OR",
                            "negate": False,
                            "cpeMatch": [
                                {
                                    "vulnerable": False,
                                    "criteria": f"cpe:2.3:h:vendor{vendor}:product{product}:-:*:*:*:*:*:*:*",
                                    "matchCriteriaId": str(uuid.UUID(int=rng.getrandbits(128))).upper(),
                                }
                            ],
                        },
                    ],
                }
            )
        else:
            matches = [
                criterion(rng, "a", vendor, rng.randrange(PRODUCTS_PER_VENDOR), True)
                for _ in range(rng.randint(1, 6))
            ]
            out.append({"nodes": [{"operator": "OR", "negate": False, "cpeMatch": matches}]})
    return out


WORDS = (
    "allows remote attackers to execute arbitrary code via a crafted request to the web "
    "interface because of missing input validation in the firmware component which handles "
    "authentication tokens and configuration uploads on affected devices"
).split()


def text(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def cve(rng, year, n):
    published = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T12:00:00.000"
    item = {
        "id": f"CVE-{year}-{n:05d}",
        "sourceIdentifier": "cna@example.org",
        "published": published,
        "lastModified": published,
        "vulnStatus": "Analyzed",
        "descriptions": [
            {"lang": "en", "value": text(rng, 60)},
            {"lang": "es", "value": text(rng, 60)},
        ],
        "metrics": {
            "cvssMetricV31": [
                {
                    "source": "nvd@nist.gov",
                    "type": "Primary",
                    "cvssData": {
                        "version": "3.1",
                        "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                        "attackVector": "NETWORK",
                        "attackComplexity": "LOW",
                        "privilegesRequired": "NONE",
                        "userInteraction": "NONE",
                        "scope": "UNCHANGED",
                        "confidentialityImpact": "HIGH",
                        "integrityImpact": "HIGH",
                        "availabilityImpact": "HIGH",
                        "baseScore": round(rng.uniform(2.0, 10.0), 1),
                        "baseSeverity": "HIGH",
                    },
                    "exploitabilityScore": 3.9,
                    "impactScore": 5.9,
                }
            ]
        },
        "weaknesses": [
            {
                "source": "nvd@nist.gov",
                "type": "Primary",
                "description": [{"lang": "en", "value": f"CWE-{rng.randint(20, 900)}"}],
            }
        ],
        "configurations": configurations(rng),
        "references": [
            {
                "url": f"https://advisories.example.org/{year}/{n}/{i}",
                "source": "cna@example.org",
                "tags": ["Vendor Advisory"],
            }
            for i in range(rng.randint(6, 14))
        ],
    }
    if n % 3 == 0:
        item["metrics"]["cvssMetricV40"] = [
            {
                "source": "cna@example.org",
                "type": "Secondary",
                "cvssData": {
                    "version": "4.0",
                    "vectorString": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                    "baseScore": 9.3,
                    "baseSeverity": "CRITICAL",
                },
            }
        ]
    return item


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--cves", type=int, default=250_000)
    ap.add_argument("--files", type=int, default=10)
    ap.add_argument("--gzip", action="store_true")
    args = ap.parse_args()
    rng = random.Random(2026)
    per_file = -(-args.cves // args.files)
    made = 0
    for f in range(args.files):
        year = 2000 + f
        count = min(per_file, args.cves - made)
        name = f"{args.out}/nvdcve-2.0-{year}.json" + (".gz" if args.gzip else "")
        opener = gzip.open if args.gzip else open
        with opener(name, "wt", encoding="utf-8") as out:
            out.write(
                '{\n  "resultsPerPage": %d,\n  "startIndex": 0,\n  "totalResults": %d,\n'
                '  "format": "NVD_CVE",\n  "version": "2.0",\n'
                '  "timestamp": "2026-12-01T03:00:00.000",\n  "vulnerabilities": [\n'
                % (count, count)
            )
            for i in range(count):
                if i:
                    out.write(",\n")
                body = json.dumps({"cve": cve(rng, year, i)}, indent=2)
                out.write("    " + body.replace("\n", "\n    "))
            out.write("\n  ]\n}\n")
        made += count


if __name__ == "__main__":
    main()
