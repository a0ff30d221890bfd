//! A small abstract interpretation of a linked program: what each call passes to a subprogram
//! (the program's context, a stack pointer, a kernel pointer, a scalar…) and how a subprogram uses
//! a memory argument the kernel may hand it as NULL.
//!
//! Values are tracked per register and per 8-byte stack slot through moves, spills and branches
//! (joined at block boundaries), with NULL checks refining memory arguments the way the verifier
//! does. Anything it cannot follow becomes `Unknown`, and an unknown value never makes a verdict
//! fail. Work is bounded, so hostile programs end with an incomplete (`None`) result.

use std::collections::BTreeMap;

use crate::program::insn::Insn;

/// Helpers whose first argument must be the program's context (uapi `enum bpf_func_id` values).
const CTX_HELPERS: &[(i32, &str)] = &[
    (9, "bpf_skb_store_bytes"),
    (10, "bpf_l3_csum_replace"),
    (11, "bpf_l4_csum_replace"),
    (12, "bpf_tail_call"),
    (13, "bpf_clone_redirect"),
    (25, "bpf_perf_event_output"),
    (26, "bpf_skb_load_bytes"),
    (27, "bpf_get_stackid"),
    (34, "bpf_get_hash_recalc"),
    (38, "bpf_skb_change_tail"),
    (39, "bpf_skb_pull_data"),
    (43, "bpf_skb_change_head"),
    (44, "bpf_xdp_adjust_head"),
    (54, "bpf_xdp_adjust_meta"),
    (56, "bpf_perf_prog_read_value"),
    (65, "bpf_xdp_adjust_tail"),
    (67, "bpf_get_stack"),
    (68, "bpf_skb_load_bytes_relative"),
    (119, "bpf_read_branch_records"),
    (173, "bpf_get_func_ip"),
    (174, "bpf_get_attach_cookie"),
    (183, "bpf_get_func_arg"),
    (184, "bpf_get_func_ret"),
    (185, "bpf_get_func_arg_cnt"),
    (188, "bpf_xdp_get_buff_len"),
    (189, "bpf_xdp_load_bytes"),
    (190, "bpf_xdp_store_bytes"),
];

/// `bpf_get_current_task_btf`: returns a trusted `struct task_struct *`.
const HELPER_CURRENT_TASK_BTF: i32 = 158;

/// The `src` the verdict gives an `ld_imm64` of an arena address (libbpf sends it as
/// `BPF_PSEUDO_MAP_VALUE`, which the flow would read as global data); not a kernel value.
pub(crate) const ARENA_ADDR: u8 = 15;

/// Name of a helper that needs the context in R1.
pub fn ctx_helper_name(id: i32) -> Option<&'static str> {
    CTX_HELPERS.iter().find(|(i, _)| *i == id).map(|(_, n)| *n)
}

/// An abstract value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Val {
    /// Not written on any path seen so far.
    Uninit,
    /// The program's context, unmodified.
    Ctx,
    /// The context plus an offset.
    CtxOff,
    /// A pointer into this function's stack frame (offset from the frame pointer).
    Stack(i32),
    /// A pointer into a caller's stack frame.
    CallerStack,
    /// A map pointer.
    Map,
    /// A pointer to global data (a relocated `ld_imm64` into `.data`, `.bss`, `.rodata`, …: a map
    /// value the loader created): never NULL, sized by its section.
    GlobalData,
    /// A trusted kernel object (`bpf_get_current_task_btf()`).
    Btf,
    /// A memory argument of a global function (which function and argument), maybe NULL.
    Mem {
        /// The function (index into the program's functions).
        func: u16,
        /// The argument.
        arg: u8,
        /// Whether it may still be NULL on this path.
        maybe_null: bool,
    },
    /// The number 0 (NULL).
    Null,
    /// A number.
    Scalar,
    /// Anything.
    Unknown,
}

impl Val {
    fn join(self, o: Val) -> Val {
        match (self, o) {
            (a, b) if a == b => a,
            (Val::Uninit, x) | (x, Val::Uninit) => x,
            (Val::Null, Val::Scalar) | (Val::Scalar, Val::Null) => Val::Scalar,
            (
                Val::Mem {
                    func,
                    arg,
                    maybe_null: a,
                },
                Val::Mem {
                    func: f2,
                    arg: g2,
                    maybe_null: b,
                },
            ) if func == f2 && arg == g2 => Val::Mem {
                func,
                arg,
                maybe_null: a || b,
            },
            _ => Val::Unknown,
        }
    }

    /// Whether this is certainly a pointer (not a scalar).
    pub fn is_pointer(self) -> bool {
        matches!(
            self,
            Val::Ctx
                | Val::CtxOff
                | Val::Stack(_)
                | Val::CallerStack
                | Val::Map
                | Val::GlobalData
                | Val::Btf
                | Val::Mem { .. }
        )
    }

    /// The value as seen by a callee (stack pointers point into the caller's frame).
    fn passed(self) -> Val {
        match self {
            Val::Stack(_) => Val::CallerStack,
            v => v,
        }
    }
}

/// What a function is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FuncKind {
    /// The entry program: R1 is the context.
    Main,
    /// A global subprogram, verified with these argument values (R1–R5).
    Global([Val; 5]),
    /// A static subprogram, verified with its callers' values.
    Static,
}

/// One function of the linked program.
#[derive(Debug, Clone, Copy)]
pub struct FuncSpec {
    /// First instruction.
    pub start: usize,
    /// One past the last instruction.
    pub end: usize,
    /// Kind.
    pub kind: FuncKind,
}

/// A bpf-to-bpf call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallSite {
    /// Instruction.
    pub pc: usize,
    /// Calling function.
    pub caller: usize,
    /// Called function.
    pub callee: usize,
    /// R1–R5 at the call.
    pub args: [Val; 5],
}

/// A use of a memory argument the verifier refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemUse {
    /// Loaded from or stored to while it may be NULL (`R<reg> invalid mem access 'mem_or_null'`).
    NullDeref {
        /// Instruction.
        pc: usize,
        /// Base register.
        reg: u8,
    },
    /// Passed in R1 to a helper that needs the context (`R1 type=mem… expected=ctx`).
    CtxHelper {
        /// Instruction.
        pc: usize,
        /// Helper id.
        helper: i32,
        /// Whether it may be NULL there.
        maybe_null: bool,
    },
}

/// A refused use of argument `arg` of global function `func`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemEvent {
    /// The global function whose argument it is.
    pub func: usize,
    /// The argument.
    pub arg: usize,
    /// The use.
    pub what: MemUse,
}

/// The analysis of one program.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Every call, in function then instruction order.
    pub calls: Vec<CallSite>,
    /// Refused uses of memory arguments, in instruction order.
    pub mem_events: Vec<MemEvent>,
    /// Functions reached from the entry program (by index).
    pub reached: Vec<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    regs: [Val; 11],
    stack: BTreeMap<i32, Val>,
}

/// Most stack slots tracked per state.
const MAX_SLOTS: usize = 64;

impl State {
    fn entry(args: [Val; 5]) -> State {
        let mut regs = [Val::Uninit; 11];
        for (r, a) in regs.iter_mut().skip(1).zip(args) {
            *r = a;
        }
        regs[10] = Val::Stack(0);
        State {
            regs,
            stack: BTreeMap::new(),
        }
    }

    fn join(&self, o: &State) -> State {
        let mut regs = self.regs;
        for (r, b) in regs.iter_mut().zip(o.regs) {
            *r = r.join(b);
        }
        let stack = self
            .stack
            .iter()
            .filter_map(|(k, v)| o.stack.get(k).map(|w| (*k, v.join(*w))))
            .collect();
        State { regs, stack }
    }

    fn reg(&self, r: u8) -> Val {
        self.regs
            .get(usize::from(r))
            .copied()
            .unwrap_or(Val::Unknown)
    }

    fn set(&mut self, r: u8, v: Val) {
        if let Some(x) = self.regs.get_mut(usize::from(r)) {
            *x = v;
        }
    }

    fn clobber_call(&mut self, r0: Val) {
        self.regs[0] = r0;
        for r in &mut self.regs[1..=5] {
            *r = Val::Uninit;
        }
    }

    /// Marks every copy of memory argument (func, arg) non-NULL, or replaces it with NULL.
    fn refine(&mut self, func: u16, arg: u8, non_null: bool) {
        let upd = |v: &mut Val| {
            if let Val::Mem {
                func: f, arg: a, ..
            } = *v
            {
                if f == func && a == arg {
                    *v = if non_null {
                        Val::Mem {
                            func,
                            arg,
                            maybe_null: false,
                        }
                    } else {
                        Val::Scalar
                    };
                }
            }
        };
        self.regs.iter_mut().for_each(upd);
        self.stack.values_mut().for_each(upd);
    }

    fn store(&mut self, at: Option<i32>, size: i32, v: Val) {
        let Some(at) = at else {
            return;
        };
        let end = at.saturating_add(size);
        let overlapping: Vec<i32> = self
            .stack
            .range(at.saturating_sub(7)..end)
            .map(|(k, _)| *k)
            .filter(|&k| k.saturating_add(8) > at)
            .collect();
        for k in overlapping {
            self.stack.remove(&k);
        }
        if size == 8 && (self.stack.len() < MAX_SLOTS) {
            self.stack.insert(at, v);
        }
    }
}

fn access_size(code: u8) -> i32 {
    match code & 0x18 {
        0x00 => 4,
        0x08 => 2,
        0x10 => 1,
        _ => 8,
    }
}

/// Where an access through `base` lands in this frame.
fn slot(base: Val, off: i16) -> Option<i32> {
    match base {
        Val::Stack(o) => o.checked_add(i32::from(off)),
        _ => None,
    }
}

struct Walker<'a> {
    insns: &'a [Insn],
    funcs: &'a [FuncSpec],
    budget: u64,
}

/// Events from one function under one entry state.
#[derive(Default)]
struct FuncOut {
    calls: Vec<CallSite>,
    mem: Vec<MemEvent>,
}

impl Walker<'_> {
    fn func_at(&self, pc: usize) -> Option<usize> {
        self.funcs.iter().position(|f| f.start == pc)
    }

    fn is_global(&self, f: usize) -> bool {
        matches!(self.funcs.get(f).map(|f| f.kind), Some(FuncKind::Global(_)))
    }

    /// Block leaders of function `f` (relative to its start is not needed: absolute pcs).
    fn leaders(&self, start: usize, end: usize) -> Vec<usize> {
        let mut l = vec![start];
        let mut pc = start;
        while pc < end {
            let Some(i) = self.insns.get(pc) else { break };
            let class = i.code & 7;
            let step = if i.code == 0x18 { 2 } else { 1 };
            if class == 5 || class == 6 {
                let op = i.code & 0xf0;
                if op != 0x80 {
                    let target = if class == 6 && op == 0x00 {
                        pc as i64 + i64::from(i.imm) + 1
                    } else {
                        pc as i64 + i64::from(i.off) + 1
                    };
                    if let Ok(t) = usize::try_from(target) {
                        if (start..end).contains(&t) {
                            l.push(t);
                        }
                    }
                    if pc + 1 < end {
                        l.push(pc + 1);
                    }
                }
            }
            pc += step;
        }
        l.sort_unstable();
        l.dedup();
        l
    }

    /// Runs function `f` from `entry` to a fixpoint, then records its events from the final
    /// block states.
    fn run(&mut self, f: usize, entry: State, out: &mut FuncOut) -> Option<()> {
        let spec = *self.funcs.get(f)?;
        let leaders = self.leaders(spec.start, spec.end);
        let mut states: BTreeMap<usize, State> = BTreeMap::new();
        states.insert(spec.start, entry);
        let mut work: Vec<usize> = vec![spec.start];
        while let Some(b) = work.pop() {
            let Some(s) = states.get(&b).cloned() else {
                continue;
            };
            for (to, st) in self.walk_block(f, &spec, &leaders, b, s, None)? {
                self.flow_to(&mut states, &mut work, to, st);
            }
        }
        for (b, s) in states {
            self.walk_block(f, &spec, &leaders, b, s, Some(out))?;
        }
        Some(())
    }

    /// Interprets the block starting at `b`; returns its successors and their states.
    fn walk_block(
        &mut self,
        f: usize,
        spec: &FuncSpec,
        leaders: &[usize],
        b: usize,
        mut s: State,
        mut out: Option<&mut FuncOut>,
    ) -> Option<Vec<(usize, State)>> {
        let inside = |t: usize| (spec.start..spec.end).contains(&t);
        let mut pc = b;
        loop {
            self.budget = self.budget.checked_sub(1)?;
            if !inside(pc) {
                return Some(Vec::new());
            }
            if pc != b && leaders.binary_search(&pc).is_ok() {
                return Some(vec![(pc, s)]);
            }
            let Some(&insn) = self.insns.get(pc) else {
                return Some(Vec::new());
            };
            match self.step(f, pc, insn, &mut s, out.as_deref_mut()) {
                Step::Next(n) => pc = n,
                Step::Branch(a, sa, t, st) => {
                    return Some(
                        [(a, *sa), (t, *st)]
                            .into_iter()
                            .filter(|(to, _)| inside(*to))
                            .collect(),
                    )
                }
                Step::Jump(t) => return Some(if inside(t) { vec![(t, s)] } else { Vec::new() }),
                Step::End => return Some(Vec::new()),
            }
        }
    }

    fn flow_to(
        &self,
        states: &mut BTreeMap<usize, State>,
        work: &mut Vec<usize>,
        to: usize,
        s: State,
    ) {
        match states.get(&to) {
            Some(old) => {
                let j = old.join(&s);
                if &j != old {
                    states.insert(to, j);
                    work.push(to);
                }
            }
            None => {
                states.insert(to, s);
                work.push(to);
            }
        }
    }

    fn mem_use(base: Val, what: impl Fn(bool) -> Option<MemUse>) -> Option<MemEvent> {
        if let Val::Mem {
            func,
            arg,
            maybe_null,
        } = base
        {
            return what(maybe_null).map(|w| MemEvent {
                func: usize::from(func),
                arg: usize::from(arg),
                what: w,
            });
        }
        None
    }

    fn step(&self, f: usize, pc: usize, i: Insn, s: &mut State, out: Option<&mut FuncOut>) -> Step {
        let class = i.code & 7;
        let mut out = out;
        let deref = |s: &State, r: u8, out: &mut Option<&mut FuncOut>| {
            let ev = Self::mem_use(s.reg(r), |maybe_null| {
                maybe_null.then_some(MemUse::NullDeref { pc, reg: r })
            });
            if let (Some(ev), Some(o)) = (ev, out.as_deref_mut()) {
                o.mem.push(ev);
            }
        };
        match class {
            0 => {
                if i.code == 0x18 {
                    let hi = self.insns.get(pc + 1).map_or(1, |n| n.imm);
                    let v = match i.src {
                        0 if i.imm == 0 && hi == 0 => Val::Null,
                        0 => Val::Scalar,
                        1 | 5 => Val::Map,
                        2 | 6 => Val::GlobalData,
                        // An arena address: the verifier's PTR_TO_ARENA, outside this model.
                        _ => Val::Unknown,
                    };
                    s.set(i.dst, v);
                    return Step::Next(pc + 2);
                }
                s.clobber_call(Val::Scalar);
                Step::Next(pc + 1)
            }
            1 => {
                deref(s, i.src, &mut out);
                let base = s.reg(i.src);
                // Context fields can be pointers even when 4 bytes wide (packet data).
                let v = if matches!(base, Val::Ctx | Val::CtxOff) {
                    Val::Unknown
                } else if i.code & 0xe0 == 0x60 && access_size(i.code) == 8 {
                    slot(base, i.off)
                        .and_then(|k| s.stack.get(&k).copied())
                        .unwrap_or(Val::Unknown)
                } else if i.code & 0xe0 == 0x80 || access_size(i.code) < 8 {
                    Val::Scalar
                } else {
                    Val::Unknown
                };
                s.set(i.dst, v);
                Step::Next(pc + 1)
            }
            2 => {
                deref(s, i.dst, &mut out);
                let at = slot(s.reg(i.dst), i.off);
                s.store(at, access_size(i.code), Val::Scalar);
                Step::Next(pc + 1)
            }
            3 => {
                deref(s, i.dst, &mut out);
                let at = slot(s.reg(i.dst), i.off);
                if i.code & 0xe0 == 0xc0 {
                    // Atomics: the slot changes; fetching forms also write a register.
                    s.store(at, access_size(i.code), Val::Unknown);
                    if i.imm == 0xf1 {
                        s.set(0, Val::Unknown);
                    } else if i.imm & 1 != 0 {
                        s.set(i.src, Val::Unknown);
                    }
                } else {
                    let v = s.reg(i.src);
                    s.store(at, access_size(i.code), v);
                }
                Step::Next(pc + 1)
            }
            4 => {
                let zero = i.code == 0xb4 && i.imm == 0;
                s.set(i.dst, if zero { Val::Null } else { Val::Scalar });
                Step::Next(pc + 1)
            }
            7 => {
                let op = i.code & 0xf0;
                let x = i.code & 0x08 != 0;
                let d = s.reg(i.dst);
                let v = match op {
                    0xb0 if x && i.off == 0 => s.reg(i.src),
                    0xb0 if !x && i.imm == 0 => Val::Null,
                    0xb0 => Val::Scalar,
                    0x00 | 0x10 if !x => {
                        let delta = if op == 0x00 {
                            i64::from(i.imm)
                        } else {
                            -i64::from(i.imm)
                        };
                        match d {
                            Val::Stack(o) => {
                                i32::try_from(i64::from(o) + delta).map_or(Val::Unknown, Val::Stack)
                            }
                            Val::Ctx if delta == 0 => Val::Ctx,
                            Val::Ctx | Val::CtxOff => Val::CtxOff,
                            // Within the section (the verifier checks the bounds).
                            Val::GlobalData => Val::GlobalData,
                            Val::Scalar | Val::Null => Val::Scalar,
                            _ => Val::Unknown,
                        }
                    }
                    _ => {
                        let num = |v| matches!(v, Val::Scalar | Val::Null);
                        let src = if x { s.reg(i.src) } else { Val::Scalar };
                        if num(d) && num(src) {
                            Val::Scalar
                        } else {
                            Val::Unknown
                        }
                    }
                };
                s.set(i.dst, v);
                Step::Next(pc + 1)
            }
            5 | 6 => {
                let op = i.code & 0xf0;
                match op {
                    0x00 => {
                        let t = if class == 6 {
                            pc as i64 + i64::from(i.imm) + 1
                        } else {
                            pc as i64 + i64::from(i.off) + 1
                        };
                        usize::try_from(t).map_or(Step::End, Step::Jump)
                    }
                    0x80 if class == 5 => {
                        self.call(f, pc, i, s, out);
                        Step::Next(pc + 1)
                    }
                    0x90 => Step::End,
                    _ => {
                        let Ok(t) = usize::try_from(pc as i64 + i64::from(i.off) + 1) else {
                            return Step::End;
                        };
                        let mut taken = s.clone();
                        let mut fall = s.clone();
                        let x = i.code & 0x08 != 0;
                        if !x && i.imm == 0 && (op == 0x10 || op == 0x50) {
                            if let Val::Mem {
                                func,
                                arg,
                                maybe_null: true,
                            } = s.reg(i.dst)
                            {
                                // JEQ 0: taken when NULL. JNE 0: taken when not NULL.
                                let taken_non_null = op == 0x50;
                                taken.refine(func, arg, taken_non_null);
                                fall.refine(func, arg, !taken_non_null);
                            }
                        }
                        Step::Branch(pc + 1, Box::new(fall), t, Box::new(taken))
                    }
                }
            }
            _ => Step::Next(pc + 1),
        }
    }

    fn call(&self, f: usize, pc: usize, i: Insn, s: &mut State, out: Option<&mut FuncOut>) {
        match i.src {
            1 => {
                let target = usize::try_from(pc as i64 + i64::from(i.imm) + 1).ok();
                let callee = target.and_then(|t| self.func_at(t));
                if let (Some(callee), Some(o)) = (callee, out) {
                    let mut args = [Val::Uninit; 5];
                    for (a, r) in args.iter_mut().zip(1u8..) {
                        *a = s.reg(r);
                    }
                    o.calls.push(CallSite {
                        pc,
                        caller: f,
                        callee,
                        args,
                    });
                }
                let r0 = if callee.is_some_and(|c| self.is_global(c)) {
                    Val::Scalar
                } else {
                    Val::Unknown
                };
                s.clobber_call(r0);
            }
            0 => {
                if ctx_helper_name(i.imm).is_some() {
                    let ev = Self::mem_use(s.reg(1), |maybe_null| {
                        Some(MemUse::CtxHelper {
                            pc,
                            helper: i.imm,
                            maybe_null,
                        })
                    });
                    if let (Some(ev), Some(o)) = (ev, out) {
                        o.mem.push(ev);
                    }
                }
                let r0 = if i.imm == HELPER_CURRENT_TASK_BTF {
                    Val::Btf
                } else {
                    Val::Unknown
                };
                s.clobber_call(r0);
            }
            _ => s.clobber_call(Val::Unknown),
        }
    }
}

enum Step {
    Next(usize),
    Jump(usize),
    Branch(usize, Box<State>, usize, Box<State>),
    End,
}

/// Analyzes `insns` split into `funcs` (the entry program first), taking the steps it makes
/// from `budget`. None when the budget runs out.
pub fn analyze(insns: &[Insn], funcs: &[FuncSpec], budget: &mut u64) -> Option<Analysis> {
    let mut w = Walker {
        insns,
        funcs,
        budget: *budget,
    };
    let a = analyze_with(&mut w, insns, funcs);
    *budget = w.budget;
    a
}

fn analyze_with(w: &mut Walker<'_>, insns: &[Insn], funcs: &[FuncSpec]) -> Option<Analysis> {
    let n = funcs.len();
    let mut entries: Vec<Option<[Val; 5]>> = funcs
        .iter()
        .map(|f| match f.kind {
            FuncKind::Main => Some([Val::Ctx, Val::Uninit, Val::Uninit, Val::Uninit, Val::Uninit]),
            FuncKind::Global(a) => Some(a),
            FuncKind::Static => None,
        })
        .collect();
    // Subprograms whose address is taken (callbacks) start with unknown arguments.
    for (idx, i) in insns.iter().enumerate() {
        if i.is_pseudo_func() {
            let t = usize::try_from(idx as i64 + i64::from(i.imm) + 1).ok();
            if let Some(c) = t.and_then(|t| w.func_at(t)) {
                if let Some(e) = entries.get_mut(c) {
                    if e.is_none() {
                        *e = Some([Val::Unknown; 5]);
                    }
                }
            }
        }
    }
    let mut outs: Vec<FuncOut> = Vec::new();
    for _round in 0..=n.min(64) {
        outs = (0..n).map(|_| FuncOut::default()).collect();
        for (f, out) in outs.iter_mut().enumerate() {
            if let Some(Some(e)) = entries.get(f) {
                w.run(f, State::entry(*e), out)?;
            }
        }
        let mut changed = false;
        let mut next = entries.clone();
        for c in outs.iter().flat_map(|o| o.calls.iter()) {
            if !matches!(funcs.get(c.callee).map(|f| f.kind), Some(FuncKind::Static)) {
                continue;
            }
            // A callee reached only from unreached code stays unreached.
            if entries.get(c.caller).is_none_or(Option::is_none) {
                continue;
            }
            let passed = c.args.map(Val::passed);
            if let Some(slot) = next.get_mut(c.callee) {
                let new = match slot {
                    Some(old) => {
                        let mut j = *old;
                        for (x, y) in j.iter_mut().zip(passed) {
                            *x = x.join(y);
                        }
                        j
                    }
                    None => passed,
                };
                if slot.as_ref() != Some(&new) {
                    *slot = Some(new);
                    changed = true;
                }
            }
        }
        entries = next;
        if !changed {
            break;
        }
    }
    let mut a = Analysis {
        reached: entries.iter().map(Option::is_some).collect(),
        ..Analysis::default()
    };
    for o in outs {
        a.calls.extend(o.calls);
        a.mem_events.extend(o.mem);
    }
    a.calls.sort_by_key(|c| (c.caller, c.pc));
    a.calls.dedup();
    a.mem_events.sort_by_key(|e| match e.what {
        MemUse::NullDeref { pc, .. } | MemUse::CtxHelper { pc, .. } => pc,
    });
    a.mem_events.dedup();
    Some(a)
}
