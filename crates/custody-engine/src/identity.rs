//! Identities compared as people read them.
//!
//! A principal, a requester, an approver, a reviewer, an invoker, the human an agent acted for and a group
//! name are strings that someone typed, exported or forged. Two strings that a person reads as one name must
//! compare equal, or separation of duties can be defeated by `alex.kim` plus a zero-width space, by
//! fullwidth letters, or by a decomposed accent. For each such string this module gives the policies:
//!
//! - `key`: the string trimmed, put in Unicode compatibility form (NFKC), stripped of invisible characters,
//!   fully case-folded (`straße` and `STRASSE` fold alike) and normalised again: the form identities are
//!   compared in;
//! - `skeleton`: the UTS #39 confusable skeleton of `key` (a Cyrillic `а` and a Latin `a` have one
//!   skeleton), which separation of duties compares, so a look-alike cannot approve its twin's request; a
//!   few honest names collide too (`arnold`, `amold`), and count as one person there — the safe side;
//! - `invisible`: the string holds a character nobody sees: a format character (Unicode category Cf: zero-width
//!   space and joiners, soft hyphen, byte-order mark, bidirectional controls), a control character, or another
//!   default-ignorable code point (Hangul fillers, variation selectors);
//! - `mixedScript`: the letters come from more than one script (UTS #39 single-script test on the resolved
//!   script set, where Common and Inherited characters such as `@`, `.`, `-` and digits fit any script).
//!
//! Rust computes these facts; the policies decide what they mean (CUS-S021, and the comparisons of every
//! identity rule).

use icu_casemap::CaseMapper;
use unicode_general_category::{get_general_category, GeneralCategory};
use unicode_normalization::UnicodeNormalization;
use unicode_security::MixedScript;

/// What the policies need to know of one identity string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityFacts {
    pub key: String,
    pub skeleton: String,
    pub invisible: bool,
    pub mixed_script: bool,
}

/// Whether `c` is invisible in an identity: a format or control character, or default-ignorable.
pub fn is_invisible(c: char) -> bool {
    match get_general_category(c) {
        GeneralCategory::Format | GeneralCategory::Control => true,
        // The skeleton drops exactly the default-ignorable code points: a character with an empty skeleton
        // is one (Hangul fillers, variation selectors, the combining grapheme joiner).
        _ => {
            let mut one = [0u8; 4];
            let text: &str = c.encode_utf8(&mut one);
            let empty = unicode_security::skeleton(text).next().is_none();
            empty
        }
    }
}

/// The facts of one identity string.
pub fn facts(raw: &str) -> IdentityFacts {
    let trimmed = raw.trim();
    let invisible = trimmed.chars().any(is_invisible);
    let compatible: String = trimmed.nfkc().filter(|c| !is_invisible(*c)).collect();
    let mixed_script = !compatible.as_str().is_single_script();
    let folded = CaseMapper::new().fold_string(&compatible).into_owned();
    let key: String = folded.nfkc().collect();
    let skeleton: String = unicode_security::skeleton(&key).collect();
    IdentityFacts {
        key,
        skeleton,
        invisible,
        mixed_script,
    }
}

#[cfg(test)]
mod tests {
    use super::facts;

    fn key(s: &str) -> String {
        facts(s).key
    }

    #[test]
    fn invisible_characters_are_flagged_and_do_not_make_another_name() {
        for raw in [
            "alex.kim\u{200B}", // zero-width space
            "alex\u{200D}.kim", // zero-width joiner
            "\u{FEFF}alex.kim", // byte-order mark
            "alex.\u{AD}kim",   // soft hyphen
            "alex.kim\u{202E}", // right-to-left override
            "alex\u{3164}.kim", // Hangul filler
            "alex.kim\u{FE0F}", // variation selector
        ] {
            let f = facts(raw);
            assert!(f.invisible, "{raw:?}");
            assert_eq!(f.key, "alex.kim", "{raw:?}");
        }
        assert!(!facts("alex.kim").invisible);
    }

    #[test]
    fn case_width_and_composition_do_not_make_another_name() {
        assert_eq!(key("ALEX.KIM"), "alex.kim");
        assert_eq!(key("ａｌｅｘ．ｋｉｍ"), "alex.kim"); // fullwidth
        assert_eq!(key("  alex.kim "), "alex.kim");
        assert_eq!(key("straße"), key("STRASSE")); // full case folding
        assert_eq!(key("Jose\u{301}"), key("Jos\u{E9}")); // NFD and NFC
        assert!(!facts("ａｌｅｘ．ｋｉｍ").mixed_script);
    }

    #[test]
    fn look_alikes_share_a_skeleton_and_mixed_scripts_are_flagged() {
        let latin = facts("alex.kim");
        let cyrillic = facts("\u{430}lex.kim"); // Cyrillic а
        assert_ne!(latin.key, cyrillic.key);
        assert_eq!(latin.skeleton, cyrillic.skeleton);
        assert!(cyrillic.mixed_script);
        assert!(!latin.mixed_script);
        // The skeleton's known false friends count as one person (documented).
        assert_eq!(facts("arnold").skeleton, facts("amold").skeleton);
    }

    #[test]
    fn addresses_digits_and_single_foreign_scripts_are_not_mixed() {
        for raw in [
            "dana.whitfield@example.com",
            "svc-migrator-2",
            "дмитрий",
            "山田",
            "müller",
        ] {
            let f = facts(raw);
            assert!(!f.mixed_script, "{raw}");
            assert!(!f.invisible, "{raw}");
        }
    }
}
