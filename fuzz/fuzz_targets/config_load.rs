//! The `.custody.yaml` loader: any text is a configuration or a configuration error with a position, never a
//! panic; a loaded configuration yields budgets and checks its rule ids.
#![no_main]

use custody_engine::config::Config;
use custody_engine::source;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = source::decode(data) else {
        return;
    };
    if let Ok(config) = Config::parse(".custody.yaml", text.to_owned()) {
        let _ = config.budgets();
        let _ = config.check_rule_ids(&["CUS-W001".to_owned()]);
        let _ = config.rules_off();
    }
});
