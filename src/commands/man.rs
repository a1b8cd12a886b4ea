//! `custody man`: man pages (roff) generated from the command-line definition, one per command, each with
//! its exit status, examples, files and environment.

use std::path::Path;

use super::Outcome;
use crate::cli::{Cli, ManArgs};

/// What a command's page adds to the options clap describes.
pub struct Page {
    /// The subcommand (empty: the overview page, custody(1)).
    pub command: &'static str,
    /// Exit status: (code, meaning).
    pub exit: &'static [(&'static str, &'static str)],
    /// Examples: (what it does, the command line).
    pub examples: &'static [(&'static str, &'static str)],
    /// Whether the command reads `.custody.yaml`.
    pub config: bool,
}

const EVALUATION_EXIT: &[(&str, &str)] = &[
    ("0", "no failing finding (warnings pass unless --strict)"),
    ("1", "at least one failing finding, input problems (unparsable or invalid documents) included"),
    (
        "2",
        "the tool could not do its job: bad usage, an unreadable path, a policy that does not compile or could not be evaluated, a configuration error, nothing to evaluate (unless --allow-empty)",
    ),
];

const PRINT_EXIT: &[(&str, &str)] = &[("0", "printed"), ("2", "bad usage")];

/// Every page `custody man` knows, the overview first.
pub const PAGES: &[Page] = &[
    Page {
        command: "",
        exit: EVALUATION_EXIT,
        examples: &[
            ("Validate the workflow manifests of a repository", "custody validate"),
            (
                "Check session bundles against the declared workflows",
                "custody check --workflows workflows/ bundles/",
            ),
            ("Explain a rule", "custody explain CUS-W005"),
        ],
        config: true,
    },
    Page {
        command: "validate",
        exit: EVALUATION_EXIT,
        examples: &[
            ("Validate every manifest under the current directory", "custody validate"),
            (
                "As the pre-commit hook runs it, on the changed files",
                "custody validate --allow-empty --ids-from . workflows/payments.yaml",
            ),
            (
                "SARIF for code scanning",
                "custody validate --format sarif --output custody.sarif",
            ),
        ],
        config: true,
    },
    Page {
        command: "check",
        exit: EVALUATION_EXIT,
        examples: &[
            ("Check bundle files and directories", "custody check --workflows workflows/ bundles/"),
            (
                "Check a JSON Lines stream of bundles",
                "collector | custody check --workflows workflows/ -",
            ),
        ],
        config: true,
    },
    Page {
        command: "seal",
        exit: &[
            ("0", "every bundle sealed, or already sealed and unchanged"),
            ("1", "a chain that exists and does not verify was refused (without --reseal)"),
            (
                "2",
                "a bundle that cannot be read or parsed, holds no bundle, is over the limits, or cannot be written",
            ),
        ],
        examples: &[("Seal a bundle directory", "custody seal bundles/sess-0042")],
        config: true,
    },
    Page {
        command: "import",
        exit: &[
            ("0", "bundles written, or already there and unchanged"),
            (
                "2",
                "a log that cannot be read, a line that is not JSON, a different bundle already in --out (without --force), a write failure",
            ),
        ],
        examples: &[(
            "Teleport audit events to sealed bundles",
            "custody import teleport /var/lib/teleport/log/events.log --out bundles/",
        )],
        config: false,
    },
    Page {
        command: "baseline",
        exit: &[
            ("0", "every finding was written into the configuration as an exception"),
            ("1", "some findings cannot be waived (locked rules, configuration warnings): they still fail"),
            (
                "2",
                "the run did not evaluate everything, or the configuration cannot be edited or written: nothing was written",
            ),
        ],
        examples: &[
            ("Baseline the manifests of a repository", "custody baseline"),
            (
                "Baseline the findings on session bundles",
                "custody baseline bundles/ --workflows workflows/",
            ),
        ],
        config: true,
    },
    Page {
        command: "test",
        exit: &[
            ("0", "every test passed"),
            ("1", "a test failed"),
            ("2", "no test_* rule was run, or a policy does not compile"),
        ],
        examples: &[
            ("Run the tests of your policies", "custody test policies/"),
            ("Run some tests, showing each", "custody test policies/ --run 'owner' -v"),
        ],
        config: true,
    },
    Page {
        command: "rules",
        exit: &[("0", "printed"), ("2", "a configuration or policy error")],
        examples: &[("The catalogue as JSON", "custody rules --format json")],
        config: true,
    },
    Page {
        command: "explain",
        exit: &[("0", "the rule exists"), ("2", "unknown rule id")],
        examples: &[("One rule", "custody explain W005")],
        config: true,
    },
    Page {
        command: "check-command",
        exit: &[
            ("0", "every segment of the command line is allowed"),
            ("1", "a segment is denied or not allowed (a session running it gets CUS-S014)"),
            (
                "2",
                "the workflow is not declared, declared twice or invalid, the command line is empty, or a policy error",
            ),
        ],
        examples: &[(
            "Would the payments workflow allow this?",
            "custody check-command payments-db-admin \"psql -c 'DROP DATABASE payments'\" --workflows workflows/",
        )],
        config: true,
    },
    Page {
        command: "init",
        exit: &[
            ("0", "missing files written; existing ones kept"),
            ("2", "a file or directory cannot be written"),
        ],
        examples: &[("Scaffold into the current repository", "custody init")],
        config: false,
    },
    Page {
        command: "completions",
        exit: PRINT_EXIT,
        examples: &[(
            "Bash completions",
            "custody completions bash > ~/.local/share/bash-completion/completions/custody",
        )],
        config: false,
    },
    Page {
        command: "man",
        exit: &[("0", "printed or written"), ("2", "bad usage, or a page cannot be written")],
        examples: &[("Install every page", "custody man --dir ~/.local/share/man/man1")],
        config: false,
    },
    Page {
        command: "schema",
        exit: PRINT_EXIT,
        examples: &[("The manifest schema", "custody schema workflow")],
        config: false,
    },
];

/// Text for roff: backslashes and hyphens escaped, and a line cannot start a request.
fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

/// The file name of `page`'s man page.
fn file_name(page: &Page) -> String {
    if page.command.is_empty() {
        "custody.1".to_owned()
    } else {
        format!("custody-{}.1", page.command)
    }
}

/// `page` rendered: clap's sections (name, synopsis, description, options, subcommands), then custody's.
fn render(page: &Page) -> Result<String, String> {
    let root = <Cli as clap::CommandFactory>::command();
    let cmd = if page.command.is_empty() {
        root
    } else {
        root.find_subcommand(page.command)
            .ok_or_else(|| format!("no command {}", page.command))?
            .clone()
            .name(format!("custody-{}", page.command))
            .bin_name(format!("custody {}", page.command))
    };
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd)
        .section("1")
        .render(&mut buf)
        .map_err(|e| e.to_string())?;
    let mut out = String::from_utf8_lossy(&buf).into_owned();
    out.push_str(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in page.exit {
        out.push_str(&format!(".TP\n\\fB{code}\\fR\n{}\n", roff(meaning)));
    }
    out.push_str(".SH EXAMPLES\n");
    for (what, line) in page.examples {
        out.push_str(&format!(
            ".PP\n{}:\n.PP\n.RS 4\n.nf\n{}\n.fi\n.RE\n",
            roff(what),
            roff(line)
        ));
    }
    if page.config {
        out.push_str(&format!(
            ".SH FILES\n.TP\n\\fB.custody.yaml\\fR\n{}\n",
            roff(
                "the configuration: the nearest one in the working directory or a parent, up to the directory that holds .git; --config names another. Its paths are relative to it."
            )
        ));
    }
    out.push_str(&format!(
        ".SH ENVIRONMENT\n.TP\n\\fBNO_COLOR\\fR\n{}\n",
        roff("when set and not empty, human output has no colour (as --color never)")
    ));
    let mut see_also: Vec<String> = PAGES
        .iter()
        .filter(|p| p.command != page.command)
        .map(|p| {
            let name = file_name(p);
            format!("\\fB{}\\fR(1)", roff(name.trim_end_matches(".1")))
        })
        .collect();
    see_also.sort();
    out.push_str(&format!(".SH \"SEE ALSO\"\n{}\n", see_also.join(", ")));
    Ok(out)
}

pub(super) fn run(args: &ManArgs) -> Outcome {
    if let Some(dir) = &args.dir {
        return write_all(dir);
    }
    let wanted = args.command.as_deref().unwrap_or("");
    let Some(page) = PAGES.iter().find(|p| p.command == wanted) else {
        return Outcome::usage(format!("no man page for `{wanted}`"));
    };
    match render(page) {
        Ok(text) => Outcome::printed(text),
        Err(e) => Outcome::usage(format!("cannot render the man page: {e}")),
    }
}

/// Write every page into `dir` (created when missing), each atomically.
fn write_all(dir: &Path) -> Outcome {
    if let Err(e) = std::fs::create_dir_all(dir) {
        return Outcome::usage(format!("cannot create {}: {e}", dir.display()));
    }
    let mut written = String::new();
    for page in PAGES {
        let path = dir.join(file_name(page));
        let text = match render(page) {
            Ok(text) => text,
            Err(e) => return Outcome::usage(format!("cannot render {}: {e}", path.display())),
        };
        if let Err(e) = custody_engine::atomic::write_atomic(&path, text.as_bytes()) {
            return Outcome::usage(format!("cannot write {}: {e}", path.display()));
        }
        written.push_str(&format!("wrote {}\n", path.display()));
    }
    Outcome::printed(written)
}
