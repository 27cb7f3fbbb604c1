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

#[test]
fn a_maker_named_for_compatibility_or_as_a_part_is_not_the_device_maker() {
    let lex = lexicon();
    // What follows `compatible with` is another maker's product, up to the
    // end of its clause.
    let r = lex.read("NetPrint 200 print server compatible with an HP JetDirect card");
    assert_eq!(r.and_then(|r| r.vendor), None);
    let r = read("PrintBox 5 compatible with HP JetDirect, made by Brother");
    assert_eq!(r.vendor.as_deref(), Some("Brother"));
    // The copyright holder makes what the text describes, not the maker of
    // the server it runs on.
    let r = read("Call server 7.5, HW: Dell R640 (c) 2019 Avaya Inc.");
    assert_eq!(r.vendor.as_deref(), Some("Avaya"));
    let r = read("Switch Software 5.2 Copyright (C) 2003-2012 by Cisco Systems, Inc. HP module");
    assert_eq!(r.vendor.as_deref(), Some("Cisco"));
    // A name that counts only as written (`APC`) yields to one in full.
    let r = read("Mode APC, Deliberant firmware 7.1");
    assert_eq!(r.vendor.as_deref(), Some("LigoWave"));
    assert_eq!(read("APC Smart-UPS 1500").vendor.as_deref(), Some("APC"));
    // The canonical name listed as exact counts only as written.
    assert_eq!(lex.read("apc mode on"), None);
}

#[test]
fn a_line_that_changed_hands_names_the_maker_the_text_names() {
    // IBM's Infoprint line is Ricoh's now: an IBM-branded one is IBM's.
    let r = read("IBM Infoprint 1570 version 4.2");
    assert_eq!(r.vendor.as_deref(), Some("IBM"));
    assert_eq!(r.product.as_deref(), Some("Infoprint 1570"));
    assert_eq!(r.class, Some(DeviceClass::Printer));
    assert_eq!(
        read("InfoPrint 5000 production printer").vendor.as_deref(),
        Some("Ricoh")
    );
    // The former maker may come after the line, with its software's version.
    let r = read("NetCache C1100 (NetApp/5.2)");
    assert_eq!(r.vendor.as_deref(), Some("NetApp"));
    assert_eq!(r.product.as_deref(), Some("NetCache C1100"));
    assert_eq!(read("NetCache C1100").vendor.as_deref(), Some("Blue Coat"));
    // Another maker named first, not a former one: that maker's device
    // (H3C's Comware on an HP switch).
    let r = read("HP Comware Software, Version 5.20, HP 5500 Switch");
    assert_eq!(r.vendor.as_deref(), Some("HP"));
    assert_eq!(r.class, Some(DeviceClass::Switch));
    // A brand under its then-owner's name is the brand's.
    assert_eq!(
        read("Dell SonicWALL NSA 2600").vendor.as_deref(),
        Some("SonicWall")
    );
}

#[test]
fn model_prefixes_match_model_numbers_not_words() {
    let lex = lexicon();
    let r = read("RT-AX58U");
    assert_eq!(r.vendor.as_deref(), Some("ASUS"));
    assert_eq!(r.class, Some(DeviceClass::Router));
    // `RT` as a word inside other names is no ASUS router.
    assert_eq!(lex.read("Tomato-RT build 54").and_then(|r| r.vendor), None);
    assert_eq!(lex.read("XY-300-RT-2W").and_then(|r| r.vendor), None);
    // A name with punctuation at its edge cannot be matched as words.
    let e = Lexicon::parse(
        "x.toml",
        "[[vendor]]\nname = \"A\"\nlines = [{ name = \"RT-\" }]\n",
    )
    .unwrap_err();
    assert!(e.message.contains("under `models`"), "{e}");
}

#[test]
fn one_maker_under_several_names() {
    let lex = lexicon();
    assert_eq!(lex.canonical_vendor("Checkpoint"), Some("Check Point"));
    assert_eq!(
        lex.canonical_vendor("Software House"),
        Some("Johnson Controls")
    );
    assert!(lex.same_maker("CheckPoint", "Check Point Software"));
    // An OEM brand and its maker; a maker and the one whose name its
    // older devices carry.
    assert!(lex.same_maker("Lorex", "Dahua"));
    assert!(lex.same_maker("HP", "Hewlett Packard Enterprise"));
    assert!(!lex.same_maker("HP", "Dell"));
    assert!(!lex.same_maker("Lorex", "Hikvision"));
    assert!(lex.same_line_maker("IBM", "Ricoh", "Infoprint 1332"));
    assert!(!lex.same_line_maker("IBM", "Ricoh", "Aficio MP 2550"));
    // `made_by` and `formerly` name vendors of the file.
    let e = Lexicon::parse("x.toml", "[[vendor]]\nname = \"A\"\nmade_by = \"B\"\n").unwrap_err();
    assert!(e.message.contains("`B` is not a vendor"), "{e}");
}
