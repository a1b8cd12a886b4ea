//! Per-thread engines: each thread's interpreters and idle workers, the VM programs shared by every
//! worker, and which engine evaluates the built-in rule sets.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use regorus::{Engine, Value};

use super::compile::{compile_sources, finish_interpreter, new_engine, set_time_limit};
use super::results::EvalFailure;
use super::sources::PolicySource;
use super::{precompiled, program, vm, Policies};
use crate::document::DocumentKind;

/// One thread's interpreters and idle workers, by the [`Policies::id`] they were made for. Workers wait here
/// between rayon's jobs, which are many more than its threads, so that their VMs, compiled patterns and
/// workflow values outlive a job.
#[derive(Default)]
pub(super) struct Local {
    pub(super) engines: Vec<(u64, Result<Engine, String>)>,
    workers: Vec<(u64, Worker)>,
}

impl Local {
    /// This thread's interpreter (or why it could not be built) for the policies `id`.
    fn engine(&self, id: u64) -> Option<&Result<Engine, String>> {
        self.engines.iter().find(|(e, _)| *e == id).map(|(_, e)| e)
    }
}

/// The most interpreters and idle workers a thread keeps (the oldest go first): a run has one set of policies,
/// a test process many.
pub(super) const LOCAL_ENGINES: usize = 4;
pub(super) const LOCAL_WORKERS: usize = 8;

thread_local! {
    pub(super) static LOCAL: RefCell<Local> = RefCell::new(Local::default());
}

/// A new [`Policies::id`].
pub(super) fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Keep `item` under `id` in `list`, dropping the oldest entries past `max`.
pub(super) fn keep<T>(list: &mut Vec<(u64, T)>, id: u64, item: T, max: usize) {
    if list.len() >= max {
        list.remove(0);
    }
    list.push((id, item));
}

/// The built-in rule sets compiled to regorus's VM ([`vm`]), per target, compiled on first use.
pub(super) struct VmState {
    /// The data document, as JSON: each thread makes its own regorus value of it.
    pub(super) data: serde_json::Value,
    /// False when a user policy shares a package with a built-in one (it could add rules to a built-in
    /// entry point, which the VM would not see): the interpreter then evaluates everything.
    pub(super) eligible: bool,
    pub(super) compiled: [OnceLock<Option<vm::Compiled>>; 2],
}

/// Which engine evaluates the built-in rule sets (`CUSTODY_ENGINE`): `interpreter`, `vm`, or (unset) the
/// VM whenever the embedded program applies, else for runs of at least [`VM_MIN_DOCUMENTS`] documents,
/// where compiling it pays off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineChoice {
    Interpreter,
    Vm,
    Auto,
}

/// The fewest documents for which `auto` compiles the VM at run time when no embedded program applies.
pub const VM_MIN_DOCUMENTS: usize = 16;

impl EngineChoice {
    pub fn from_env() -> EngineChoice {
        match std::env::var("CUSTODY_ENGINE").as_deref() {
            Ok("interpreter") => EngineChoice::Interpreter,
            Ok("vm") => EngineChoice::Vm,
            _ => EngineChoice::Auto,
        }
    }
}

/// One worker thread's engines: an interpreter clone, and the VMs of the targets whose program is compiled.
pub struct Worker {
    /// A clone of the interpreter, taken when this worker first needs it.
    pub(super) engine: Option<Engine>,
    pub(super) vms: [Option<vm::Vm>; 2],
    /// Documents the VM could not evaluate, which the interpreter then evaluated.
    pub vm_fallbacks: usize,
    /// This worker's values of declared workflows ([`Worker::workflow`]), by the address of the shared
    /// document, which each entry holds so the address cannot be reused.
    pub(super) copies: HashMap<usize, (Arc<crate::source::Node>, Value)>,
}

/// The most workflow values a worker keeps; past it they are dropped and made again as needed.
pub(super) const MAX_COPIES: usize = 4096;

impl Worker {
    /// This worker's policy value of a declared workflow, `shared` by every thread: made once per worker (a
    /// regorus value belongs to the thread that made it).
    pub fn workflow(&mut self, shared: &Arc<crate::source::Node>) -> Value {
        let key = Arc::as_ptr(shared) as usize;
        if let Some((_, value)) = self.copies.get(&key) {
            return value.clone();
        }
        if self.copies.len() >= MAX_COPIES {
            self.copies.clear();
        }
        let value = shared.to_rego();
        self.copies.insert(key, (Arc::clone(shared), value.clone()));
        value
    }

    /// This worker's interpreter, cloned from the policies' on first use; a failure of the whole document
    /// when it cannot be built.
    pub(super) fn interpreter(&mut self, policies: &Policies) -> Result<&mut Engine, EvalFailure> {
        let engine = match self.engine.take() {
            Some(engine) => engine,
            None => policies.engine().map_err(|message| EvalFailure {
                rule: "custody".to_owned(),
                message: format!("the policies could not be compiled: {message}"),
            })?,
        };
        Ok(self.engine.insert(engine))
    }
}

/// A [`Worker`] lent by [`Policies::worker`], returned to its thread's idle workers when dropped.
pub struct PooledWorker {
    worker: Option<Worker>,
    id: u64,
}

impl Deref for PooledWorker {
    type Target = Worker;
    fn deref(&self) -> &Worker {
        self.worker
            .as_ref()
            .unwrap_or_else(|| unreachable!("taken only on drop"))
    }
}

impl DerefMut for PooledWorker {
    fn deref_mut(&mut self) -> &mut Worker {
        self.worker
            .as_mut()
            .unwrap_or_else(|| unreachable!("taken only on drop"))
    }
}

impl Drop for PooledWorker {
    /// Back to the pool, unless a panic is unwinding through its job: a worker left mid-evaluation is dropped,
    /// never lent again.
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        if let Some(worker) = self.worker.take() {
            // Not when the thread's locals are already gone (a worker dropped while the thread exits).
            let _ = LOCAL.try_with(|local| {
                keep(
                    &mut local.borrow_mut().workers,
                    self.id,
                    worker,
                    LOCAL_WORKERS,
                )
            });
        }
    }
}

impl Policies {
    /// An interpreter over every loaded source: a clone (sharing the compiled modules) of this thread's, which
    /// is built on first use in each thread; an error when the sources do not compile.
    pub fn engine(&self) -> Result<Engine, String> {
        if let Some(found) = LOCAL.with(|local| local.borrow().engine(self.id).cloned()) {
            return found;
        }
        let built = self.build_interpreter();
        LOCAL.with(|local| {
            keep(
                &mut local.borrow_mut().engines,
                self.id,
                built.clone(),
                LOCAL_ENGINES,
            )
        });
        built
    }

    fn build_interpreter(&self) -> Result<Engine, String> {
        let sources: Vec<&PolicySource> = self.sources.iter().collect();
        let (mut engine, _) = compile_sources(&sources).map_err(|e| e.to_string())?;
        set_time_limit(&mut engine, self.time_limit);
        finish_interpreter(engine, &self.entries, Value::from(self.vm.data.clone()))
            .map_err(|e| e.to_string())
    }

    /// Whether this thread holds an interpreter for these policies (built when loading or since).
    pub fn interpreter_built(&self) -> bool {
        LOCAL.with(|local| local.borrow().engine(self.id).is_some())
    }

    /// Bound the time one query may run on one document (default 10 s); an overrun is a policy failure
    /// for that document (exit 2), never a hang.
    pub fn set_eval_time_limit(&mut self, limit: Duration) {
        let old = self.id;
        self.time_limit = limit;
        // A new id: idle workers' VMs and other threads' interpreters have the old limit. This thread's
        // interpreter is kept, with the new limit.
        self.id = next_id();
        LOCAL.with(|local| {
            let mut local = local.borrow_mut();
            if let Some(mut engine) = local.engine(old).cloned() {
                if let Ok(engine) = engine.as_mut() {
                    set_time_limit(engine, limit);
                }
                keep(&mut local.engines, self.id, engine, LOCAL_ENGINES);
            }
        });
    }

    /// Engines for one worker thread: a VM for each target whose built-in rule sets
    /// [`Policies::prepare_vm`] compiled, and an interpreter clone taken when first needed. Lent from this
    /// thread's idle workers, to which it returns when dropped: rayon's `map_init` asks for one per job, and a
    /// new worker's VMs and compiled patterns cost more than a job's documents when jobs are small.
    pub fn worker(&self) -> PooledWorker {
        let pooled = LOCAL.with(|local| {
            let mut local = local.borrow_mut();
            let at = local.workers.iter().rposition(|(id, _)| *id == self.id)?;
            Some(local.workers.remove(at).1)
        });
        let mut worker = pooled.unwrap_or_else(|| self.fresh_worker());
        for target in [DocumentKind::Workflow, DocumentKind::SessionBundle] {
            if worker.vms[target.index()].is_none() {
                worker.vms[target.index()] = self.vm(target);
            }
        }
        PooledWorker {
            worker: Some(worker),
            id: self.id,
        }
    }

    pub(super) fn fresh_worker(&self) -> Worker {
        Worker {
            engine: None,
            vms: [DocumentKind::Workflow, DocumentKind::SessionBundle].map(|t| self.vm(t)),
            vm_fallbacks: 0,
            copies: HashMap::new(),
        }
    }

    /// A fresh VM over the compiled built-in rule sets of `target`, if they are compiled.
    pub(super) fn vm(&self, target: DocumentKind) -> Option<vm::Vm> {
        self.vm.compiled[target.index()]
            .get()
            .and_then(Option::as_ref)
            .and_then(|c| vm::Vm::new(c, self.time_limit).ok())
    }

    /// Whether the built-in rule sets of `target` are compiled to the VM (workers created from now on use it).
    pub fn vm_ready(&self, target: DocumentKind) -> bool {
        self.vm.compiled[target.index()]
            .get()
            .is_some_and(Option::is_some)
    }

    /// Make the VM evaluate the built-in rule sets of `target` when `choice` and `documents` (None: unknown,
    /// a stream) make it worth it: always under `auto` when the loaded built-in rule sets are the embedded
    /// ones (their program is embedded, nothing to compile), else from [`VM_MIN_DOCUMENTS`] documents,
    /// compiling the program. A program that cannot be had leaves the target to the interpreter. Call
    /// before creating workers.
    pub fn prepare_vm(&self, target: DocumentKind, documents: Option<usize>, choice: EngineChoice) {
        if !self.vm.eligible {
            return;
        }
        let sources: Vec<&PolicySource> = self
            .sources
            .iter()
            .filter(|s| s.builtin && !s.is_test())
            .filter(|s| program::compiled_for(&s.text, target))
            .collect();
        let embedded = precompiled::program(target.rule_set(), &sources);
        let wanted = match choice {
            EngineChoice::Interpreter => false,
            EngineChoice::Vm => true,
            EngineChoice::Auto => {
                embedded.is_some() || documents.is_none_or(|n| n >= VM_MIN_DOCUMENTS)
            }
        };
        if !wanted {
            return;
        }
        self.vm.compiled[target.index()].get_or_init(|| {
            let queries: Vec<&str> = self
                .entries
                .iter()
                .filter(|e| e.builtin && e.targets.contains(&target))
                .map(|e| e.query.as_str())
                .collect();
            if let Some(bytes) = embedded {
                if precompiled::queries(target.rule_set()) == queries {
                    if let Ok(compiled) =
                        vm::Compiled::from_binary(bytes, target.rule_set(), self.vm.data.clone())
                    {
                        return Some(compiled);
                    }
                }
            }
            let engine = new_engine().ok()?;
            vm::Compiled::new(
                engine,
                &sources,
                target.rule_set(),
                &queries,
                self.vm.data.clone(),
            )
            .ok()
        });
    }
}
