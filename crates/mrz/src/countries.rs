//! ICAO 9303-3 §5 three-letter codes for issuing states, organizations and nationalities.
//!
//! The list is ISO 3166-1 alpha-3 plus the codes ICAO 9303 Part 3 §5 adds or substitutes
//! (Germany is `D`, the British nationality codes, the UN, EU and other organizations, the
//! stateless and refugee codes, and `UTO`, the fictitious state of the specimens), plus `RKS`:
//! not in 9303-3, but on the Republic of Kosovo's passports in circulation, which a reader must not
//! reject as an unknown state.

/// Every code accepted, sorted (binary-searchable). `D` stands alone (it is `D<<` in an MRZ).
pub static CODES: &[&str] = &[
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM", "ASM", "ATA", "ATF",
    "ATG", "AUS", "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR", "BHS",
    "BIH", "BLM", "BLR", "BLZ", "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA", "CAF",
    "CAN", "CCK", "CHE", "CHL", "CHN", "CIV", "CMR", "COD", "COG", "COK", "COL", "COM", "CPV",
    "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE",
    "D", // Germany (ICAO 9303-3: D, not DEU, in MRZs)
    "DEU", "DJI", "DMA", "DNK", "DOM", "DZA", "ECU", "EGY", "ERI", "ESH", "ESP", "EST", "ETH",
    "EUE", // European Union
    "FIN", "FJI", "FLK", "FRA", "FRO", "FSM", "GAB",
    "GBD", // British Overseas Territories Citizen
    "GBN", // British National (Overseas)
    "GBO", // British Overseas Citizen
    "GBP", // British Protected Person
    "GBR", "GBS", // British Subject
    "GEO", "GGY", "GHA", "GIB", "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC", "GRD", "GRL", "GTM",
    "GUF", "GUM", "GUY", "HKG", "HMD", "HND", "HRV", "HTI", "HUN", "IDN", "IMN", "IND", "IOT",
    "IRL", "IRN", "IRQ", "ISL", "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ", "KEN", "KGZ",
    "KHM", "KIR", "KNA", "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE", "LKA", "LSO",
    "LTU", "LUX", "LVA", "MAC", "MAF", "MAR", "MCO", "MDA", "MDG", "MDV", "MEX", "MHL", "MKD",
    "MLI", "MLT", "MMR", "MNE", "MNG", "MNP", "MOZ", "MRT", "MSR", "MTQ", "MUS", "MWI", "MYS",
    "MYT", "NAM", "NCL", "NER", "NFK", "NGA", "NIC", "NIU", "NLD", "NOR", "NPL", "NRU", "NZL",
    "OMN", "PAK", "PAN", "PCN", "PER", "PHL", "PLW", "PNG", "POL", "PRI", "PRK", "PRT", "PRY",
    "PSE", "PYF", "QAT", "REU",
    "RKS", // Kosovo: not in 9303-3, but printed on the Republic of Kosovo's passports in circulation
    "ROU", "RUS", "RWA", "SAU", "SDN", "SEN", "SGP", "SGS", "SHN", "SJM", "SLB", "SLE", "SLV",
    "SMR", "SOM", "SPM", "SRB", "SSD", "STP", "SUR", "SVK", "SVN", "SWE", "SWZ", "SXM", "SYC",
    "SYR", "TCA", "TCD", "TGO", "THA", "TJK", "TKL", "TKM", "TLS", "TON", "TTO", "TUN", "TUR",
    "TUV", "TWN", "TZA", "UGA", "UKR", "UMI",
    "UNA", // Specialized agency of the United Nations or one of its officials
    "UNK", // Resident of Kosovo to whom a travel document has been issued by the UN Interim Administration Mission in Kosovo
    "UNO", // United Nations Organization or one of its officials
    "URY", "USA", "UTO", // Utopia (fictitious state of the ICAO 9303 specimens)
    "UZB", "VAT", "VCT", "VEN", "VGB", "VIR", "VNM", "VUT", "WLF", "WSM",
    "XBA", // African Development Bank
    "XCC", // Caribbean Community or one of its emissaries
    "XCE", // Council of Europe
    "XCO", // Common Market for Eastern and Southern Africa
    "XDC", // Southern African Development Community
    "XEC", // Economic Community of West African States
    "XES", // Organization of Eastern Caribbean States
    "XIM", // African Export-Import Bank
    "XMP", // Parliamentary Assembly of the Mediterranean
    "XOM", // Sovereign Military Order of Malta or one of its emissaries
    "XPO", // International Criminal Police Organization
    "XXA", // Stateless person (1954 Convention, Article 1)
    "XXB", // Refugee (1951 Convention, Article 1, or its 1967 Protocol)
    "XXC", // Refugee (other than XXB)
    "XXX", // Person of unspecified nationality
    "YEM", "ZAF", "ZMB", "ZWE",
];

/// The ICAO 9303-3 special codes that are not ISO 3166-1 alpha-3 country codes.
pub static SPECIAL_CODES: &[&str] = &[
    "D", "EUE", "GBD", "GBN", "GBO", "GBP", "GBS", "RKS", "UNA", "UNK", "UNO", "UTO", "XBA", "XCC",
    "XCE", "XCO", "XDC", "XEC", "XES", "XIM", "XMP", "XOM", "XPO", "XXA", "XXB", "XXC", "XXX",
];

/// True when `code` (fillers already trimmed: `D`, not `D<<`) is on the ICAO list.
#[must_use]
pub fn is_known(code: &str) -> bool {
    CODES.binary_search(&code).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_complete() {
        assert!(CODES.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(CODES.len(), 249 + SPECIAL_CODES.len());
        for c in [
            "D", "XXA", "XXB", "XXC", "XXX", "UNO", "UNA", "UNK", "EUE", "UTO", "FRA", "GBR", "RKS",
        ] {
            assert!(is_known(c), "{c}");
        }
        for c in ["DEU", "USA", "ZWE", "ABW"] {
            assert!(is_known(c));
        }
        assert!(!is_known("ZZZ"));
        assert!(!is_known(""));
        assert!(!is_known("FR"));
    }
}
