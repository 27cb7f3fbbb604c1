use super::*;

fn lexicon() -> Lexicon {
    Lexicon::embedded().unwrap_or_else(|e| panic!("embedded lexicon: {e}"))
}

fn read(text: &str) -> Reading {
    lexicon()
        .read(text)
        .unwrap_or_else(|| panic!("nothing read in {text:?}"))
}

#[test]
fn vendor_names_match_whole_words_only() {
    let lex = lexicon();
    // `_` separates words: the vendor inside an SSH software string.
    assert_eq!(
        read("OpenSSH_2.3.0_Mikrotik_v2.9").vendor.as_deref(),
        Some("MikroTik")
    );
    assert_eq!(
        read("OpenSSH_2.3.0_Mikrotik_v2.9").version.as_deref(),
        Some("2.9")
    );
    // A vendor name inside a longer word is not the vendor.
    assert!(lex.read("CN=DigiCert Global Root G2").is_none());
    assert!(lex.read("Welcome to nginx!").is_none());
    // Exact-case names: `Trend` the word is not Trend Control Systems.
    assert_eq!(lex.read("the trend of the day"), None);
    assert_eq!(
        read("Trend IQ4 controller").vendor.as_deref(),
        Some("Trend Control Systems")
    );
}

#[test]
fn product_lines_imply_their_vendor_with_the_model_next_to_them() {
    let r = read("Model name : NPort IA-5250 MAC address : 00:90:E8:11:22:33");
    assert_eq!(r.vendor.as_deref(), Some("Moxa"));
    assert_eq!(r.product.as_deref(), Some("NPort IA-5250"));
    let r = read("DiskStation FTP server ready.");
    assert_eq!(
        (r.vendor.as_deref(), r.product.as_deref(), r.class),
        (
            Some("Synology"),
            Some("DiskStation"),
            Some(DeviceClass::Nas)
        )
    );
    let r = read("HP LaserJet M1536dnf MFP");
    assert_eq!(r.vendor.as_deref(), Some("HP"));
    assert_eq!(r.product.as_deref(), Some("LaserJet M1536dnf"));
    assert_eq!(r.class, Some(DeviceClass::Printer));
    let r = read("APC Embedded PowerNet SNMP Agent (SN: ZA1234012345, MB:v3.9.2, PF:v3.9.2)");
    assert_eq!(r.vendor.as_deref(), Some("APC"));
    assert_eq!(r.class, Some(DeviceClass::UpsPower));
}

#[test]
fn model_prefixes_decide_the_class_within_a_vendor() {
    let r = read("SCALANCE W747-1RR");
    assert_eq!(r.vendor.as_deref(), Some("Siemens"));
    assert_eq!(r.product.as_deref(), Some("SCALANCE W747-1RR"));
    assert_eq!(r.class, Some(DeviceClass::AccessPoint));
    assert_eq!(read("SCALANCE XC208").class, Some(DeviceClass::Switch));
    // The class follows the product, not the vendor: an Axis door
    // controller is access control, an Axis print server a printer.
    assert_eq!(
        read("AXIS A1001 Network Door Controller 1.65.2 (2020) ready.").class,
        Some(DeviceClass::AccessControl)
    );
    assert_eq!(
        read("AXIS 5600+ Network Print Server V7.10.2 Jun 2 2010 ready.").class,
        Some(DeviceClass::Printer)
    );
    // A distinctive prefix alone names the maker.
    let r = read("DS-2CD2132F-IS");
    assert_eq!(r.vendor.as_deref(), Some("Hikvision"));
    assert_eq!(r.class, Some(DeviceClass::Camera));
    assert_eq!(read("DS-7608NI-K2").class, Some(DeviceClass::Nvr));
}

#[test]
fn class_words_name_a_product_no_list_knows_with_its_firmware() {
    let r = read("SEPAC-3000 traffic cabinet controller Firmware 4.12.7 (2017-03-02)");
    assert_eq!(r.vendor, None);
    assert_eq!(r.product.as_deref(), Some("SEPAC-3000"));
    assert_eq!(r.version.as_deref(), Some("4.12.7"));
    assert_eq!(r.class, Some(DeviceClass::TrafficController));
}

#[test]
fn econolite_cobalt_with_traffic_words() {
    let r = read("Econolite Cobalt ATC traffic signal controller, EOS v3.2.18 (build 20220511)");
    assert_eq!(r.vendor.as_deref(), Some("Econolite"));
    assert_eq!(r.product.as_deref(), Some("Cobalt"));
    assert_eq!(r.version.as_deref(), Some("3.2.18"));
    assert_eq!(r.class, Some(DeviceClass::TrafficController));
    // Without traffic words `Cobalt` is just a word.
    assert_eq!(lexicon().read("Cobalt blue theme"), None);
}

#[test]
fn versions_are_not_addresses_and_need_a_keyword_or_the_product() {
    let lex = lexicon();
    // Hikvision's factory address is not a version.
    assert_eq!(
        lex.read("192.0.0.64 login: camera").and_then(|r| r.version),
        None
    );
    assert_eq!(
        read("Cisco Adaptive Security Appliance Version 8.0(2)")
            .version
            .as_deref(),
        Some("8.0(2)")
    );
    assert_eq!(
        read("Cisco Adaptive Security Appliance Version 8.0(2)").class,
        Some(DeviceClass::Firewall)
    );
}

#[test]
fn canonical_vendor_names_from_stated_ones() {
    let lex = lexicon();
    assert_eq!(lex.canonical_vendor("HIKVISION"), Some("Hikvision"));
    assert_eq!(
        lex.canonical_vendor("Hangzhou Hikvision Digital Technology Co., Ltd."),
        Some("Hikvision")
    );
    assert_eq!(
        lex.canonical_vendor("Allen-Bradley"),
        Some("Rockwell Automation")
    );
    assert_eq!(lex.canonical_vendor("Gemeente Utrecht"), None);
}

#[test]
fn bad_lexicon_files_name_the_place() {
    let e = Lexicon::parse("x.toml", "[[vendor]]\nname = \"A\"\nclas = \"camera\"\n").unwrap_err();
    assert_eq!(e.line, 3, "{e}");
    let e = Lexicon::parse(
        "x.toml",
        "[[vendor]]\nname = \"A\"\n[[vendor]]\nname = \"a\"\n",
    )
    .unwrap_err();
    assert!(e.message.contains("twice"), "{e}");
    let e = Lexicon::parse("x.toml", "[[class]]\nclass = \"cameras\"\n").unwrap_err();
    assert!(e.message.contains("unknown"), "{e}");
}
