//! Every fixed string of the CISO report in Dutch and English. One struct
//! with one field per string, so a string missing in either language is a
//! compile error rather than a blank in the report.
//!
//! Templates hold `{name}` placeholders that [`fill`] replaces; the values
//! put in are escaped by the caller before filling.

use crate::compliance::Status;
use crate::fingerprint::DeviceClass;
use crate::model::Severity;
use crate::report::NoteLevel;

use super::Lang;

pub(crate) struct Text {
    pub html_lang: &'static str,
    pub title: &'static str,
    pub contents: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub none: &'static str,
    pub count_axis: &'static str,
    pub more_rows: &'static str,

    // #summary
    pub h_summary: &'static str,
    pub scope: &'static str,
    pub scan_started: &'static str,
    pub scan_finished: &'static str,
    pub run_state: &'static str,
    pub history_run: &'static str,
    pub run_complete: &'static str,
    pub run_partial: &'static str,
    pub partial_banner: &'static str,
    pub devices: &'static str,
    pub findings: &'static str,
    pub chart_severity: &'static str,
    pub chart_status: &'static str,
    pub verdict: &'static str,
    pub v_urgent: &'static str,
    pub v_calm: &'static str,
    pub v_clean: &'static str,
    pub v_kev: &'static str,
    pub v_compliance: &'static str,
    pub v_fix: &'static str,
    pub v_nofix: &'static str,

    // #compliance
    pub h_compliance: &'static str,
    pub compliance_intro: &'static str,
    pub col_control: &'static str,
    pub col_title: &'static str,
    pub col_status: &'static str,
    pub col_grounds: &'static str,
    pub col_failing_rules: &'static str,
    pub col_devices: &'static str,

    // #trend, #changes
    pub h_trend: &'static str,
    pub trend_needs_history: &'static str,
    pub trend_first_run: &'static str,
    pub trend_intro: &'static str,
    pub chart_trend: &'static str,
    pub chart_failed: &'static str,
    pub partial_mark: &'static str,
    pub col_date: &'static str,
    pub col_failed_controls: &'static str,
    pub h_changes: &'static str,
    pub changes_none: &'static str,
    pub changes_needs_history: &'static str,
    pub changes_since: &'static str,
    pub h_new: &'static str,
    pub h_updated: &'static str,
    pub h_fixed: &'static str,
    pub unchanged: &'static str,
    pub col_severity: &'static str,
    pub col_rule: &'static str,
    pub col_endpoint: &'static str,
    pub col_message: &'static str,

    // #risk, #fixes
    pub h_risk: &'static str,
    pub risk_intro: &'static str,
    pub risk_none: &'static str,
    pub col_score: &'static str,
    pub col_device: &'static str,
    pub col_class: &'static str,
    pub col_findings: &'static str,
    pub col_worst: &'static str,
    pub col_kev: &'static str,
    pub h_fixes: &'static str,
    pub fixes_intro: &'static str,
    pub fixes_none: &'static str,
    pub col_fix: &'static str,
    pub col_closes: &'static str,
    pub col_first_step: &'static str,
    pub whole_remedy: &'static str,
    pub more_addresses: &'static str,

    // #inventory, #personal-data
    pub h_inventory: &'static str,
    pub inventory_intro: &'static str,
    pub inventory_none: &'static str,
    pub chart_classes: &'static str,
    pub col_address: &'static str,
    pub col_names: &'static str,
    pub col_vendor: &'static str,
    pub col_vendor_model: &'static str,
    pub software: &'static str,
    pub col_firmware: &'static str,
    pub col_services: &'static str,
    pub h_personal: &'static str,
    pub personal_intro: &'static str,
    pub personal_none: &'static str,
    pub col_personal: &'static str,

    // #vendors
    pub h_vendors: &'static str,
    pub vendors_intro: &'static str,
    pub chart_vendors: &'static str,
    pub vendor_other: &'static str,
    pub not_identified: &'static str,
    pub not_identified_todo: &'static str,
    pub col_largest_vendor: &'static str,
    pub col_share: &'static str,
    pub col_signal: &'static str,
    pub flag_strong: &'static str,
    pub flag_attention: &'static str,
    pub flag_spread: &'static str,
    pub flag_small: &'static str,

    // #notes
    pub h_notes: &'static str,
    pub h_scan_notes: &'static str,
    pub notes_none: &'static str,
    pub h_scope_details: &'static str,
    pub scope_file: &'static str,
    pub networks_hosts: &'static str,
    pub addresses_ports: &'static str,
    pub duration: &'static str,
    pub tls_policy: &'static str,
    pub credentials_tested: &'static str,
    pub refused_names: &'static str,
    pub tool: &'static str,
    pub h_howto: &'static str,
    pub howto: &'static [&'static str],
}

pub(crate) const NL: Text = Text {
    html_lang: "nl",
    title: "Beveiligingsbeeld van slimme-stadapparatuur",
    contents: "Inhoud",
    yes: "ja",
    no: "nee",
    none: "geen",
    count_axis: "aantal",
    more_rows: "en nog {n} regels; het JSON-rapport bevat ze allemaal.",

    h_summary: "Samenvatting",
    scope: "Scope",
    scan_started: "Scan gestart",
    scan_finished: "Scan beëindigd",
    run_state: "Volledigheid",
    history_run: "Scan in de geschiedenis",
    run_complete: "volledig",
    run_partial: "ONVOLLEDIG",
    partial_banner: "Let op: deze scan is afgebroken. De resultaten zijn onvolledig: apparaten en bevindingen kunnen ontbreken, en een maatregel die hier voldoet kan bij een volledige scan alsnog falen.",
    devices: "Apparaten",
    findings: "Bevindingen",
    chart_severity: "Bevindingen per ernst",
    chart_status: "{baseline}: maatregelen per status",
    verdict: "Oordeel",
    v_urgent: "{critical} kritieke en {high} hoge bevindingen op {assets} van de {total} apparaten vragen om directe actie.",
    v_calm: "Geen kritieke of hoge bevindingen; wel {findings} van lagere ernst.",
    v_clean: "Deze scan vond geen bevindingen op {devices}.",
    v_kev: "Actief misbruikte kwetsbaarheden (KEV) daarbij: {n}; binnen een week patchen of afschermen (BIO2 8.8).",
    v_compliance: "{fail} van de {total} {baseline}-maatregelen voldoen niet en {pass} voldoen; {not_tested} zijn in deze scan niet getest en {not_testable} zijn niet toetsbaar met een scan.",
    v_fix: "Grootste winst: {fix} sluit {findings} op {devices}.",
    v_nofix: "Er is in deze scan niets te herstellen.",

    h_compliance: "Naleving van {baseline}",
    compliance_intro: "Per maatregel: voldoet niet (een controle vond een bevinding), voldoet (de controles beoordeelden iets en vonden niets; de onderbouwing zegt wat en hoeveel), niet getest (het bewijs ontbreekt; de onderbouwing zegt welk) of niet toetsbaar met een scan (alleen met documenten of interviews aan te tonen; nooit als voldaan geteld).",
    col_control: "Maatregel",
    col_title: "Titel",
    col_status: "Status",
    col_grounds: "Onderbouwing",
    col_failing_rules: "Geschonden regels (bevindingen)",
    col_devices: "Apparaten",

    h_trend: "Verloop",
    trend_needs_history: "Een verloop over meerdere scans vraagt om een scangeschiedenis: draai de scan met --history om resultaten te bewaren en te vergelijken.",
    trend_first_run: "Dit is de eerste scan in de geschiedenis van deze scope; het verloop verschijnt vanaf de tweede scan.",
    trend_intro: "Bevindingen en niet-voldane maatregelen per scan, oudste links (ten hoogste de laatste {n} scans). Een * markeert een onvolledige (afgebroken) scan.",
    chart_trend: "Bevindingen per ernst per scan",
    chart_failed: "Niet-voldane maatregelen per scan",
    partial_mark: "onvolledig",
    col_date: "Datum",
    col_failed_controls: "Niet voldaan",
    h_changes: "Wijzigingen sinds de vorige scan",
    changes_none: "Er is geen eerdere volledige scan van deze scope om mee te vergelijken.",
    changes_needs_history: "Zonder scangeschiedenis is er niets om mee te vergelijken; met --history FILE toont dit deel wat er nieuw, gewijzigd en opgelost is.",
    changes_since: "Vergeleken met scan {run} van {date}: {new} nieuw, {updated} gewijzigd, {fixed} opgelost.",
    h_new: "Nieuw",
    h_updated: "Gewijzigd",
    h_fixed: "Opgelost of niet meer bereikbaar",
    unchanged: "Ongewijzigd: {findings}.",
    col_severity: "Ernst",
    col_rule: "Regel",
    col_endpoint: "Adres",
    col_message: "Melding",

    h_risk: "Apparaten met het hoogste risico",
    risk_intro: "Score per apparaat: de som over zijn bevindingen van kritiek 10, hoog 5, middel 2, laag 1 en info 0 punten; een kwetsbaarheid die actief wordt misbruikt (KEV) telt dubbel. De tien hoogste scores staan hier.",
    risk_none: "Geen apparaat heeft bevindingen.",
    col_score: "Score",
    col_device: "Apparaat",
    col_class: "Soort",
    col_findings: "Bevindingen",
    col_worst: "Ernstigste",
    col_kev: "Actief misbruikt",
    h_fixes: "Herstelacties met het meeste effect",
    fixes_intro: "Bevindingen van dezelfde regel hebben dezelfde oplossing. De tien regels die de meeste bevindingen sluiten, met de apparaten waarop ze dat doen (een werklijst) en de eerste stap van de oplossing; de hele oplossing klapt uit.",
    fixes_none: "Geen herstelacties nodig.",
    col_fix: "Regel",
    col_closes: "Sluit bevindingen",
    col_first_step: "Eerste stap",
    whole_remedy: "Hele oplossing",
    more_addresses: "en nog {n} adressen",

    h_inventory: "Apparatenoverzicht",
    inventory_intro: "Alle apparaten die de scan vond, per soort, met hun bevindingen (aantal per ernst en de ernstigste). BIO2 5.9 vraagt om een inventaris die ook OT en onbeheerde apparaten omvat en periodiek wordt gecontroleerd.",
    inventory_none: "De scan vond geen apparaten.",
    chart_classes: "Apparaten per soort",
    col_address: "Adres",
    col_names: "Namen",
    col_vendor: "Leverancier",
    col_vendor_model: "Leverancier en model",
    software: "software:",
    col_firmware: "Firmware",
    col_services: "Diensten",
    h_personal: "Apparaten die persoonsgegevens kunnen verwerken",
    personal_intro: "Het register voor DPIA's en de informatieplicht uit de AVG: apparaten waarvan de soort persoonsgegevens kan verwerken, en welke. Leg per apparaat met de privacyfunctionaris vast wat werkelijk wordt verwerkt.",
    personal_none: "Geen van de gevonden apparaten is van een soort die persoonsgegevens verwerkt.",
    col_personal: "Welke gegevens",

    h_vendors: "Leveranciersconcentratie",
    vendors_intro: "Afhankelijkheid van één leverancier (vendor lock-in) maakt overstappen duur en laat één kwetsbaarheid alle apparaten van een soort tegelijk raken; de VNG vraagt gemeenten die afhankelijkheid te beperken. Per soort met minstens 3 apparaten: aandacht wanneer één leverancier meer dan de helft levert, sterke afhankelijkheid vanaf 80%. Bij minder dan 3 apparaten zegt een aandeel weinig. Een aandeel is genomen over alle apparaten van de soort, dus ook die waarvan de maker onbekend is; een soort zonder bekende maker krijgt geen oordeel maar een taak. Software op een apparaat (zoals een SSH-server) zegt niet wie het apparaat maakte.",
    chart_vendors: "Aandeel van het apparatenbestand per leverancier",
    vendor_other: "overige",
    not_identified: "niet geïdentificeerd: {n}",
    not_identified_todo: "Te doen: stel vast wat deze apparaten zijn en wie ze maakte; tot dan tellen ze niet mee in een aandeel.",
    col_largest_vendor: "Grootste leverancier",
    col_share: "Aandeel",
    col_signal: "Signaal",
    flag_strong: "sterke afhankelijkheid (80% of meer)",
    flag_attention: "aandacht (meer dan de helft)",
    flag_spread: "gespreid",
    flag_small: "te weinig apparaten om te beoordelen",

    h_notes: "Toelichting",
    h_scan_notes: "Meldingen van de scan",
    notes_none: "De scan gaf geen meldingen.",
    h_scope_details: "Scope en scan",
    scope_file: "Scopebestand",
    networks_hosts: "Netwerken / hostnamen",
    addresses_ports: "Adressen × poorten",
    duration: "Duur",
    tls_policy: "TLS-beleid",
    credentials_tested: "Standaardwachtwoorden geprobeerd",
    refused_names: "Namen geweigerd (buiten de scope)",
    tool: "Gemaakt met stadscan {version}. Dit bestand bevat geen scripts en laadt niets van buiten: het is veilig te mailen, te archiveren en af te drukken.",
    h_howto: "Zo leest u dit rapport",
    howto: &[
        "De samenvatting geeft het beeld in één oogopslag; de drie regels onder Oordeel zijn bedoeld om zo over te nemen in een bestuurlijke rapportage.",
        "Ernst volgt de regels van stadscan: kritiek en hoog vragen om actie binnen een week (BIO2 8.8), middel binnen de reguliere onderhoudscyclus, laag en info zijn aandachtspunten.",
        "Een scan ziet alleen wat over het netwerk zichtbaar is. Een maatregel die voldoet betekent: de controles vonden niets; het is geen volledige audit. Maatregelen die niet toetsbaar zijn met een scan vragen om ander bewijs.",
        "Alle tekst die van apparaten komt (namen, banners, versies) is als platte tekst opgenomen en kan door het apparaat zelf zijn gekozen.",
    ],
};

pub(crate) const EN: Text = Text {
    html_lang: "en",
    title: "Security posture of smart-city devices",
    contents: "Contents",
    yes: "yes",
    no: "no",
    none: "none",
    count_axis: "count",
    more_rows: "and {n} more rows; the JSON report holds them all.",

    h_summary: "Summary",
    scope: "Scope",
    scan_started: "Scan started",
    scan_finished: "Scan ended",
    run_state: "Completeness",
    history_run: "Run in the history",
    run_complete: "complete",
    run_partial: "PARTIAL",
    partial_banner: "Attention: this scan was interrupted. The results are partial: devices and findings may be missing, and a control shown as passed here may still fail in a complete scan.",
    devices: "Devices",
    findings: "Findings",
    chart_severity: "Findings by severity",
    chart_status: "{baseline}: controls by status",
    verdict: "Verdict",
    v_urgent: "{critical} critical and {high} high findings on {assets} of {total} devices need action now.",
    v_calm: "No critical or high findings; {findings} of lower severity.",
    v_clean: "This scan found nothing to report on {devices}.",
    v_kev: "Actively exploited vulnerabilities (KEV) among them: {n}; patch or shield them within a week (BIO2 8.8).",
    v_compliance: "{fail} of {total} {baseline} controls fail and {pass} pass; {not_tested} were not tested in this scan and {not_testable} are not testable by scanning.",
    v_fix: "Biggest win: {fix} closes {findings} on {devices}.",
    v_nofix: "There is nothing to fix in this scan.",

    h_compliance: "Compliance with {baseline}",
    compliance_intro: "Per control: fail (a check found something), pass (its checks judged something and found nothing; the grounds say what and how much), not tested (the evidence is missing; the grounds say which) or not testable by scanning (only documents or interviews can evidence it; never counted as passed).",
    col_control: "Control",
    col_title: "Title",
    col_status: "Status",
    col_grounds: "Grounds",
    col_failing_rules: "Failing rules (findings)",
    col_devices: "Devices",

    h_trend: "Trend",
    trend_needs_history: "Trends over several scans need a scan history: run the scan with --history to keep and compare results.",
    trend_first_run: "This is the first scan in this scope's history; the trend appears from the second scan on.",
    trend_intro: "Findings and failed controls per scan, oldest on the left (at most the last {n} scans). A * marks a partial (interrupted) scan.",
    chart_trend: "Findings by severity per scan",
    chart_failed: "Failed controls per scan",
    partial_mark: "partial",
    col_date: "Date",
    col_failed_controls: "Failed",
    h_changes: "Changes since the previous scan",
    changes_none: "There is no earlier complete scan of this scope to compare with.",
    changes_needs_history: "Without a scan history there is nothing to compare with; with --history FILE this part shows what is new, updated and fixed.",
    changes_since: "Compared with run {run} of {date}: {new} new, {updated} updated, {fixed} fixed.",
    h_new: "New",
    h_updated: "Updated",
    h_fixed: "Fixed or no longer reachable",
    unchanged: "Unchanged: {findings}.",
    col_severity: "Severity",
    col_rule: "Rule",
    col_endpoint: "Address",
    col_message: "Message",

    h_risk: "Riskiest devices",
    risk_intro: "Score per device: the sum over its findings of critical 10, high 5, medium 2, low 1 and info 0 points; an actively exploited vulnerability (KEV) counts double. The ten highest scores are listed.",
    risk_none: "No device has findings.",
    col_score: "Score",
    col_device: "Device",
    col_class: "Kind",
    col_findings: "Findings",
    col_worst: "Worst",
    col_kev: "Actively exploited",
    h_fixes: "Fixes that close the most findings",
    fixes_intro: "Findings of the same rule share one remedy. The ten rules whose fix closes the most findings, with the devices it closes them on (a work list) and the first step of the remedy; the whole remedy unfolds.",
    fixes_none: "No fixes needed.",
    col_fix: "Rule",
    col_closes: "Closes findings",
    col_first_step: "First step",
    whole_remedy: "The whole remedy",
    more_addresses: "and {n} more addresses",

    h_inventory: "Device inventory",
    inventory_intro: "Every device the scan found, by kind, with its findings (count per severity and the worst). BIO2 5.9 asks for an inventory that includes OT and unmanaged devices and is checked periodically.",
    inventory_none: "The scan found no devices.",
    chart_classes: "Devices by kind",
    col_address: "Address",
    col_names: "Names",
    col_vendor: "Vendor",
    col_vendor_model: "Vendor and model",
    software: "software:",
    col_firmware: "Firmware",
    col_services: "Services",
    h_personal: "Devices that can process personal data",
    personal_intro: "The register for DPIAs and the information duty under the GDPR (AVG): devices whose kind can process personal data, and which. Record per device, with the privacy officer, what is actually processed.",
    personal_none: "None of the devices found is of a kind that processes personal data.",
    col_personal: "What data",

    h_vendors: "Vendor concentration",
    vendors_intro: "Depending on one vendor (lock-in) makes switching expensive and lets one vulnerability hit every device of a kind at once; the VNG asks municipalities to limit that dependency. Per kind with at least 3 devices: attention when one vendor supplies more than half, strong dependency from 80%. Below 3 devices a share says little. A share is taken of all devices of the kind, those of unknown maker included; a kind without a known maker gets no judgement but a to-do. Software on a device (an SSH server, say) does not tell who made the device.",
    chart_vendors: "Share of the fleet per vendor",
    vendor_other: "others",
    not_identified: "not identified: {n}",
    not_identified_todo: "To do: find out what these devices are and who made them; until then they count in no share.",
    col_largest_vendor: "Largest vendor",
    col_share: "Share",
    col_signal: "Signal",
    flag_strong: "strong dependency (80% or more)",
    flag_attention: "attention (more than half)",
    flag_spread: "spread",
    flag_small: "too few devices to judge",

    h_notes: "Notes",
    h_scan_notes: "Scan notes",
    notes_none: "The scan left no notes.",
    h_scope_details: "Scope and scan",
    scope_file: "Scope file",
    networks_hosts: "Networks / host names",
    addresses_ports: "Addresses × ports",
    duration: "Duration",
    tls_policy: "TLS policy",
    credentials_tested: "Default passwords tried",
    refused_names: "Names refused (outside the scope)",
    tool: "Made with stadscan {version}. This file holds no scripts and loads nothing from elsewhere: it is safe to e-mail, archive and print.",
    h_howto: "How to read this report",
    howto: &[
        "The summary gives the picture at a glance; the three lines under Verdict are meant to be copied into a management report as they are.",
        "Severity follows stadscan's rules: critical and high need action within a week (BIO2 8.8), medium within the regular maintenance cycle, low and info are points of attention.",
        "A scan sees only what is visible over the network. A passed control means its checks found nothing; it is not a full audit. Controls that are not testable by scanning need other evidence.",
        "All text that comes from devices (names, banners, versions) is shown as plain text and may have been chosen by the device itself.",
    ],
};

pub(crate) fn text(lang: Lang) -> &'static Text {
    match lang {
        Lang::Nl => &NL,
        Lang::En => &EN,
    }
}

/// `n` devices, in words: `1 apparaat`, `3 devices`.
pub(crate) fn devices_n(lang: Lang, n: usize) -> String {
    let word = match (lang, n) {
        (Lang::Nl, 1) => "apparaat",
        (Lang::Nl, _) => "apparaten",
        (Lang::En, 1) => "device",
        (Lang::En, _) => "devices",
    };
    format!("{n} {word}")
}

/// `n` findings, in words: `1 bevinding`, `3 findings`.
pub(crate) fn findings_n(lang: Lang, n: usize) -> String {
    let word = match (lang, n) {
        (Lang::Nl, 1) => "bevinding",
        (Lang::Nl, _) => "bevindingen",
        (Lang::En, 1) => "finding",
        (Lang::En, _) => "findings",
    };
    format!("{n} {word}")
}

/// Replaces each `{name}` in `template` with its value (values are
/// inserted as given: escape them first).
pub(crate) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

pub(crate) fn severity(lang: Lang, s: Severity) -> &'static str {
    match (lang, s) {
        (Lang::Nl, Severity::Critical) => "kritiek",
        (Lang::Nl, Severity::High) => "hoog",
        (Lang::Nl, Severity::Medium) => "middel",
        (Lang::Nl, Severity::Low) => "laag",
        (Lang::Nl, Severity::Info) => "info",
        (Lang::En, Severity::Critical) => "critical",
        (Lang::En, Severity::High) => "high",
        (Lang::En, Severity::Medium) => "medium",
        (Lang::En, Severity::Low) => "low",
        (Lang::En, Severity::Info) => "info",
    }
}

pub(crate) fn status(lang: Lang, s: Status) -> &'static str {
    match (lang, s) {
        (Lang::Nl, Status::Pass) => "voldoet",
        (Lang::Nl, Status::Fail) => "voldoet niet",
        (Lang::Nl, Status::NotTested) => "niet getest",
        (Lang::Nl, Status::NotTestable) => "niet toetsbaar met een scan",
        (Lang::En, Status::Pass) => "pass",
        (Lang::En, Status::Fail) => "fail",
        (Lang::En, Status::NotTested) => "not tested",
        (Lang::En, Status::NotTestable) => "not testable by scanning",
    }
}

pub(crate) fn note_level(lang: Lang, l: NoteLevel) -> &'static str {
    match (lang, l) {
        (Lang::Nl, NoteLevel::Info) => "info",
        (Lang::Nl, NoteLevel::Warning) => "waarschuwing",
        (Lang::Nl, NoteLevel::Error) => "fout",
        (Lang::En, NoteLevel::Info) => "info",
        (Lang::En, NoteLevel::Warning) => "warning",
        (Lang::En, NoteLevel::Error) => "error",
    }
}

/// A device class as a reader says it; classes this build does not know
/// come back as `None` (the caller shows the raw, escaped string).
pub(crate) fn class(lang: Lang, class: &str) -> Option<&'static str> {
    let c = DeviceClass::ALL.into_iter().find(|c| c.as_str() == class)?;
    Some(match (lang, c) {
        (Lang::Nl, DeviceClass::Camera) => "camera",
        (Lang::Nl, DeviceClass::Nvr) => "videorecorder",
        (Lang::Nl, DeviceClass::SensorGateway) => "sensorgateway",
        (Lang::Nl, DeviceClass::MqttBroker) => "MQTT-broker",
        (Lang::Nl, DeviceClass::TrafficController) => "verkeersregelinstallatie",
        (Lang::Nl, DeviceClass::StreetlightController) => "straatverlichting",
        (Lang::Nl, DeviceClass::BuildingAutomation) => "gebouwautomatisering",
        (Lang::Nl, DeviceClass::Plc) => "PLC",
        (Lang::Nl, DeviceClass::LorawanGateway) => "LoRaWAN-gateway",
        (Lang::Nl, DeviceClass::NetworkGear) => "netwerkapparatuur",
        (Lang::Nl, DeviceClass::Printer) => "printer",
        (Lang::Nl, DeviceClass::Server) => "server",
        (Lang::Nl, DeviceClass::AccessControl) => "toegangscontrole",
        (Lang::Nl, DeviceClass::UpsPower) => "UPS/stroomverdeling",
        (Lang::Nl, DeviceClass::Nas) => "NAS",
        (Lang::Nl, DeviceClass::EvCharger) => "laadpaal",
        (Lang::Nl, DeviceClass::Parking) => "parkeersysteem",
        (Lang::Nl, DeviceClass::Router) => "router",
        (Lang::Nl, DeviceClass::Switch) => "switch",
        (Lang::Nl, DeviceClass::Firewall) => "firewall",
        (Lang::Nl, DeviceClass::AccessPoint) => "wifi-accesspoint",
        (Lang::Nl, DeviceClass::Unknown) => "onbekend",
        (Lang::En, DeviceClass::Camera) => "camera",
        (Lang::En, DeviceClass::Nvr) => "video recorder",
        (Lang::En, DeviceClass::SensorGateway) => "sensor gateway",
        (Lang::En, DeviceClass::MqttBroker) => "MQTT broker",
        (Lang::En, DeviceClass::TrafficController) => "traffic controller",
        (Lang::En, DeviceClass::StreetlightController) => "streetlight controller",
        (Lang::En, DeviceClass::BuildingAutomation) => "building automation",
        (Lang::En, DeviceClass::Plc) => "PLC",
        (Lang::En, DeviceClass::LorawanGateway) => "LoRaWAN gateway",
        (Lang::En, DeviceClass::NetworkGear) => "network gear",
        (Lang::En, DeviceClass::Printer) => "printer",
        (Lang::En, DeviceClass::Server) => "server",
        (Lang::En, DeviceClass::AccessControl) => "access control",
        (Lang::En, DeviceClass::UpsPower) => "UPS/power distribution",
        (Lang::En, DeviceClass::Nas) => "NAS",
        (Lang::En, DeviceClass::EvCharger) => "EV charger",
        (Lang::En, DeviceClass::Parking) => "parking system",
        (Lang::En, DeviceClass::Router) => "router",
        (Lang::En, DeviceClass::Switch) => "switch",
        (Lang::En, DeviceClass::Firewall) => "firewall",
        (Lang::En, DeviceClass::AccessPoint) => "Wi-Fi access point",
        (Lang::En, DeviceClass::Unknown) => "unknown",
    })
}

/// The Dutch wording of a class's personal-data description, when the
/// asset carries the standard English one of its class
/// ([`DeviceClass::personal_data`]). Anything else is shown as recorded.
pub(crate) fn personal_data_nl(class: DeviceClass, recorded: &str) -> Option<&'static str> {
    if class.personal_data() != Some(recorded) {
        return None;
    }
    match class {
        DeviceClass::Camera => Some("beelden van mensen in de openbare ruimte"),
        DeviceClass::Nvr => Some("opgenomen beelden van mensen, van de camera's die het bedient"),
        DeviceClass::SensorGateway => Some(
            "aanwezigheid, tellingen of wifi-/bluetooth-apparaatkenmerken, afhankelijk van de sensoren",
        ),
        DeviceClass::MqttBroker => Some(
            "alles wat de aangesloten clients publiceren: aanwezigheid, tellingen of apparaatkenmerken waar sensoren die leveren",
        ),
        DeviceClass::TrafficController => Some(
            "posities en prioriteitsverzoeken van individuele weggebruikers bij slimme verkeerslichten (iVRI); geen bij alleen detectielussen",
        ),
        DeviceClass::BuildingAutomation => Some(
            "bezetting van ruimtes en, waar toegangscontrole is gekoppeld, wie wanneer binnenkwam",
        ),
        DeviceClass::LorawanGateway => Some(
            "kenmerken en signaalgegevens van elk LoRaWAN-apparaat binnen bereik, ook van trackers die mensen bij zich dragen",
        ),
        DeviceClass::Printer => {
            Some("afgedrukte en gescande documenten, takengeschiedenis en opgeslagen scans")
        }
        DeviceClass::AccessControl => Some(
            "wie wanneer waar binnenkwam (pas- of pincode-gebeurtenissen, bij sommige lezers biometrische kenmerken)",
        ),
        DeviceClass::Nas => {
            Some("alles wat erop staat: documenten, back-ups en vaak camerabeelden")
        }
        DeviceClass::EvCharger => {
            Some("laadsessies gekoppeld aan een laadpas: wie waar, wanneer en hoeveel laadde")
        }
        DeviceClass::Parking => Some(
            "kentekens, parkeertijden en betalingen of vergunningen gekoppeld aan een kenteken",
        ),
        DeviceClass::Router | DeviceClass::Firewall => {
            Some("verbindingslogs met de adressen van apparaten van mensen, waar loggen aanstaat")
        }
        DeviceClass::AccessPoint => Some(
            "MAC-adressen en aanwezigheid van elke telefoon of laptop die naar de wifi zoekt of er verbinding mee maakt",
        ),
        DeviceClass::Server => Some("onbekend: hangt af van de toepassingen die erop draaien"),
        DeviceClass::Unknown => Some("onbekend: stel eerst vast wat het apparaat is"),
        DeviceClass::StreetlightController
        | DeviceClass::Plc
        | DeviceClass::NetworkGear
        | DeviceClass::UpsPower
        | DeviceClass::Switch => None,
    }
}
