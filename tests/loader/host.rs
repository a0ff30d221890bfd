//! On the host kernel (native `arg:ctx`), compared with libbpf 1.7 loading the same objects.

use std::os::fd::AsRawFd;

use argctx::fallback::{apply, Decision, Options};
use argctx::loader::{FallbackPolicy, LoadError, LoadedObject, Loader, MapKind, ProgramError};
use argctx::program::sec_def::ProgType;
use serde_json::Value;

use crate::common::{
    alone_runs, b64, fixtures, obj_name, object_path, oracle_host, require_bpf, root, serial, types,
};
use crate::record::Agreement;

fn load(file: &str, policy: FallbackPolicy, programs: &[&str]) -> Result<LoadedObject, LoadError> {
    let path = object_path(file);
    let data = std::fs::read(&path).expect("fixture");
    Loader::new()
        .fallback(policy)
        .programs(programs.iter().copied())
        .object_name(obj_name(&path))
        .load(&data)
}

fn describe(r: &Result<argctx::loader::LoadedProgram, ProgramError>) -> String {
    match r {
        Ok(_) => "loaded".into(),
        Err(e) => format!("{e}\n{}", e.log_tail(8)),
    }
}

/// Compares one of our loads with libbpf's record of the same program; returns the differences
/// as (aspect, detail).
fn compare_with_libbpf(
    obj: &LoadedObject,
    name: &str,
    p: &Value,
    run: &Value,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let Some(entry) = obj.program(name) else {
        return vec![("not among our programs".into(), String::new())];
    };
    let theirs = p["loaded"] == true;
    if entry.result.is_ok() != theirs {
        out.push((
            "outcome".into(),
            format!(
                "ours {} vs libbpf loaded={theirs} (errno {}, {})",
                describe(&entry.result),
                p["load_errno"],
                p["verifier_log_tail"].as_str().unwrap_or("")
            ),
        ));
        return out;
    }
    match &entry.result {
        Err(e) => {
            if e.errno().map(i64::from) != p["load_errno"].as_i64() {
                out.push((
                    "errno".into(),
                    format!("{:?} vs libbpf {}", e.errno(), p["load_errno"]),
                ));
            }
        }
        Ok(loaded) => {
            let info = loaded.info().expect("prog info");
            let k = &p["kernel"];
            let ours: Vec<u64> = info.func_info.iter().map(|f| u64::from(f.1)).collect();
            if ours != types(&k["func_info"]) {
                out.push((
                    "kernel func_info".into(),
                    format!("{ours:?} vs libbpf {}", k["func_info"]),
                ));
            }
            if Some(u64::from(info.nr_line_info)) != k["nr_line_info"].as_u64() {
                out.push((
                    "nr_line_info".into(),
                    format!("{} vs libbpf {}", info.nr_line_info, k["nr_line_info"]),
                ));
            }
            if Some(u64::from(info.xlated_insn_cnt)) != k["xlated_insn_cnt"].as_u64() {
                out.push((
                    "xlated_insn_cnt".into(),
                    format!(
                        "{} vs libbpf {}",
                        info.xlated_insn_cnt, k["xlated_insn_cnt"]
                    ),
                ));
            }
            if Some(u64::from(loaded.attach_btf_id())) != k["attach_btf_id"].as_u64() {
                out.push((
                    "attach_btf_id".into(),
                    format!(
                        "{} vs libbpf {}",
                        loaded.attach_btf_id(),
                        k["attach_btf_id"]
                    ),
                ));
            }
        }
    }
    if let Some(theirs) = run["btf_kernel"].as_str() {
        match obj.btf_info() {
            Some(Ok((_, bytes))) if bytes == b64(theirs) => {}
            Some(Ok((_, bytes))) => out.push((
                "BTF the kernel holds".into(),
                format!(
                    "{} bytes from us, {} different ones from libbpf",
                    bytes.len(),
                    b64(theirs).len()
                ),
            )),
            other => out.push((
                "BTF the kernel holds".into(),
                format!("none from us: {other:?}"),
            )),
        }
    }
    out
}

#[test]
fn auto_matches_libbpf_program_by_program() {
    let _g = serial();
    require_bpf();
    let t = std::time::Instant::now();
    let doc = oracle_host();
    let release = doc["kernel_release"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut rec = Agreement::new("loader", "host", &release);
    for (file, name, p, run) in alone_runs(&doc) {
        let label = format!("{file} {name}");
        rec.compared(&label);
        let libbpf_failed_early = !run["open_error"].is_null() || !run["prepare_error"].is_null();
        match load(&file, FallbackPolicy::Auto, &[&name]) {
            Err(e) if libbpf_failed_early => drop(e),
            Err(e) => rec.differ(&label, "argctx failed the object", e.to_string()),
            Ok(_) if libbpf_failed_early => {
                rec.differ(&label, "libbpf failed before loading, argctx did not", "")
            }
            Ok(obj) => {
                let f = obj.fallback();
                if f.native_support != Some(true) || f.applied {
                    rec.differ(&label, "arg:ctx probe", format!("{f:?} on a native kernel"));
                }
                for (aspect, detail) in compare_with_libbpf(&obj, &name, &p, &run) {
                    rec.differ(&label, &aspect, detail);
                }
            }
        }
    }
    // Every autoloaded program at once. libbpf stops at the first failure; we load the others
    // anyway, so only its loaded programs and its one errno are compared.
    for obj in doc["objects"].as_array().expect("objects") {
        let file = obj["file"].as_str().expect("file");
        for run in obj["runs"].as_array().expect("runs") {
            if run["mode"] != "all" {
                continue;
            }
            let label = format!("{file} (all)");
            rec.compared(&label);
            let ours = match load(file, FallbackPolicy::Auto, &[]) {
                Ok(o) => o,
                Err(e) => {
                    if run["open_error"].is_null() && run["prepare_error"].is_null() {
                        rec.differ(&label, "argctx failed the object", e.to_string());
                    }
                    continue;
                }
            };
            for p in run["programs"].as_array().expect("programs") {
                if p["autoload"] != true {
                    continue;
                }
                let name = p["name"].as_str().expect("name");
                let Some(entry) = ours.program(name) else {
                    rec.differ(&label, &format!("{name} missing"), "");
                    continue;
                };
                if run["load_error"].is_null() {
                    if entry.result.is_err() {
                        rec.differ(&label, &format!("{name} outcome"), describe(&entry.result));
                    }
                } else if p["load_errno"].is_number() {
                    let ours = entry
                        .result
                        .as_ref()
                        .err()
                        .and_then(ProgramError::errno)
                        .map(i64::from);
                    if ours != p["load_errno"].as_i64() {
                        rec.differ(
                            &label,
                            &format!("{name} errno"),
                            format!("{ours:?} vs libbpf {}", p["load_errno"]),
                        );
                    }
                }
            }
        }
    }
    let compared = rec.count();
    assert!(compared >= 30, "only {compared} programs compared");
    println!(
        "{compared} programs compared with libbpf ({:?})",
        t.elapsed()
    );
    rec.finish();
}

/// On a native kernel `never` and `auto` send the same bytes, so they end the same way: the
/// same object error, or per program the same outcome and errno. (How `auto` compares with
/// libbpf is the agreement record above.)
#[test]
fn never_is_auto_on_a_native_kernel() {
    let _g = serial();
    require_bpf();
    let doc = oracle_host();
    let mut failures = Vec::new();
    let outcome = |r: &Result<LoadedObject, LoadError>, name: &str| match r {
        Err(e) => format!("object error: {e}"),
        Ok(obj) => match obj.program(name).map(|p| &p.result) {
            Some(Ok(_)) => "loaded".into(),
            Some(Err(e)) => format!("refused, errno {:?}", e.errno()),
            None => "missing".into(),
        },
    };
    for (file, name, _, _) in alone_runs(&doc) {
        let never = load(&file, FallbackPolicy::Never, &[&name]);
        if let Ok(obj) = &never {
            assert!(!obj.fallback().applied);
            assert_eq!(obj.fallback().native_support, None, "never does not probe");
        }
        let auto = load(&file, FallbackPolicy::Auto, &[&name]);
        let (n, a) = (outcome(&never, &name), outcome(&auto, &name));
        if n != a {
            failures.push(format!("{file} {name}: never {n}, auto {a}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// libbpf's fallback on a kernel that has native support: the rewritten BTF loads, except where
/// the kernel validates the tag against the context type itself. For kprobe programs libbpf uses
/// `struct bpf_user_pt_regs_t`, which a 6.8+ kernel rejects (`arg#0 should be `struct pt_regs
/// *``). That is why libbpf runs the fallback only when its probe fails.
#[test]
fn always_loads_the_rewritten_btf() {
    let _g = serial();
    require_bpf();
    let doc = oracle_host();
    let (mut loaded, mut kprobe_refused) = (0, 0);
    let mut failures = Vec::new();
    for (file, name, p, _) in alone_runs(&doc) {
        if p["loaded"] != true {
            continue;
        }
        // The fixtures (written around the fallback); the corpus is compared with libbpf in
        // the agreement record.
        if !root().join("tests/fixtures").join(&file).is_file() {
            continue;
        }
        let label = format!("{file} {name}");
        let obj = load(&file, FallbackPolicy::Always, &[&name]).expect("load");
        assert!(obj.fallback().applied);
        let entry = obj.program(&name).expect("program");
        let data = std::fs::read(object_path(&file)).expect("fixture");
        let expected = apply(
            &data,
            &Options {
                programs: vec![name.clone()],
                ..Options::default()
            },
        )
        .expect("prepare");
        let report = expected
            .programs
            .iter()
            .find(|r| r.name == name)
            .expect("report");
        let rewritten = report
            .args
            .iter()
            .any(|a| a.decision == Decision::Rewritten);
        assert_eq!(entry.fallback.applied(), rewritten, "{label}");
        match &entry.result {
            Ok(l) => {
                let info = l.info().expect("info");
                let ours: Vec<u32> = info.func_info.iter().map(|f| f.1).collect();
                let want: Vec<u32> = report.func_info.iter().map(|f| f.type_id).collect();
                if ours != want {
                    failures.push(format!(
                        "{label}: kernel func_info {ours:?}, fallback says {want:?}"
                    ));
                }
                let (_, btf) = obj.btf_info().expect("btf").expect("btf info");
                if Some(&btf) != expected.btf.as_ref() {
                    failures.push(format!(
                        "{label}: the kernel holds other BTF than the fallback's"
                    ));
                }
                loaded += 1;
            }
            Err(e) if entry.prog_type == ProgType::KPROBE && rewritten => {
                let log = e.verifier_log().unwrap_or("");
                if e.errno() != Some(22) || !log.contains("arg#0 should be `struct pt_regs *`") {
                    failures.push(format!(
                        "{label}: unexpected refusal: {e}\n{}",
                        e.log_tail(5)
                    ));
                }
                kprobe_refused += 1;
            }
            Err(e) => failures.push(format!("{label}: {e}\n{}", e.log_tail(8))),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        loaded >= 20 && kprobe_refused >= 4,
        "loaded {loaded}, kprobe refused {kprobe_refused}"
    );
    println!("always: {loaded} programs loaded with the rewritten BTF, {kprobe_refused} kprobe programs refused by the native kernel");
}

#[test]
fn maps_hold_their_data_and_relocations_reach_it() {
    let _g = serial();
    require_bpf();
    let obj = load("maps_data.o", FallbackPolicy::Auto, &[]).expect("load");
    assert!(obj.all_loaded());
    let (btf_id, _) = obj.btf_info().expect("btf").expect("info");
    let zero = 0u32.to_ne_bytes();
    let get = |m: &str| obj.map(m).unwrap_or_else(|| panic!("map {m}"));
    let value = |m: &str| get(m).lookup(&zero).expect("lookup").expect("present");

    // Kernel names, flags and BTF ids as libbpf gives them.
    let rodata = get(".rodata");
    let info = rodata.info().expect("info");
    assert_eq!(info.name, "maps_dat.rodata");
    assert_eq!(
        info.map_flags,
        argctx::loader::F_RDONLY_PROG | argctx::loader::F_MMAPABLE
    );
    assert_eq!(info.btf_id, btf_id);
    assert_eq!(info.btf_key_type_id, 0);
    assert_ne!(info.btf_value_type_id, 0);
    assert_eq!(rodata.def().kind, MapKind::Rodata);
    assert_eq!(get(".data.foo").info().expect("info").name, ".data.foo");
    let counters = get("counters").info().expect("info");
    assert_eq!(
        (
            counters.map_type,
            counters.key_size,
            counters.value_size,
            counters.max_entries
        ),
        (2, 4, 8, 4)
    );
    assert_eq!(counters.btf_id, btf_id);
    assert_ne!(counters.btf_key_type_id, 0);

    // Initial contents; .rodata is frozen.
    assert_eq!(value(".rodata"), 64u32.to_ne_bytes());
    assert_eq!(value(".data"), 1u64.to_ne_bytes());
    assert_eq!(value(".data.foo"), 0xf00u32.to_ne_bytes());
    assert_eq!(value(".bss"), 0u64.to_ne_bytes());
    let frozen = rodata
        .update(&zero, &1u32.to_ne_bytes(), 0)
        .expect_err("frozen");
    assert_eq!(frozen.raw_os_error(), Some(1), "{frozen}");

    // Run socket_count once: account() reads byte 0 (7), bumps counters[0], flows[0], .data and
    // .bss through the relocated map and map-value loads.
    let prog = obj
        .program("socket_count")
        .expect("prog")
        .result
        .as_ref()
        .expect("loaded");
    let packet = [7u8; 64];
    prog.test_run(&packet).expect("test run");
    assert_eq!(
        value(".data"),
        2u64.to_ne_bytes(),
        "packets_seen++ reached .data"
    );
    assert_eq!(
        value(".bss"),
        7u64.to_ne_bytes(),
        "bytes_seen += b reached .bss"
    );
    assert_eq!(
        get("counters").lookup(&zero).expect("lookup"),
        Some(7u64.to_ne_bytes().to_vec())
    );
    let flow = get("flows")
        .lookup(&zero)
        .expect("lookup")
        .expect("flow created");
    assert_eq!(flow, [1u64.to_ne_bytes(), 7u64.to_ne_bytes()].concat());
    assert!(
        get("scratch").lookup(&zero).is_err(),
        "per-CPU lookups are refused"
    );
}

#[test]
fn failures_are_precise() {
    let _g = serial();
    require_bpf();
    assert!(matches!(
        Loader::new().load(b"not an object"),
        Err(LoadError::Parse(_))
    ));
    assert!(matches!(
        load("void_ctx.o", FallbackPolicy::Auto, &["nope"]),
        Err(LoadError::NoSuchProgram(n)) if n == "nope"
    ));
    // The freplace program fails with a message naming the program; the plain one still loads.
    let path = root().join("tests/loader/bpf/unsupported.o");
    let data = std::fs::read(&path).expect("tests/loader/bpf/unsupported.o");
    let obj = Loader::new().load(&data).expect("load");
    let err = |n: &str| -> String {
        match &obj.program(n).unwrap_or_else(|| panic!("{n}")).result {
            Err(e @ ProgramError::Unsupported { .. }) => e.to_string(),
            other => panic!("{n}: {}", describe(other)),
        }
    };
    // CO-RE is applied now: `struct core_pair` is not in the kernel, so libbpf's poison call
    // replaces the read and the verifier refuses it, exactly as with libbpf.
    let core = describe(
        &obj.program("reads_with_core")
            .expect("reads_with_core")
            .result,
    );
    assert!(core.contains("195896080"), "{core}");
    let ext = err("replaces_func");
    assert!(ext.contains("freplace"), "{ext}");
    assert!(obj.program("plain").expect("plain").result.is_ok());
    // A strong extern the kernel lacks fails the whole object, as libbpf's load does.
    let path = root().join("tests/loader/bpf/missing_extern.o");
    let data = std::fs::read(&path).expect("tests/loader/bpf/missing_extern.o");
    match Loader::new().load(&data) {
        Err(e @ (LoadError::Prepare(_) | LoadError::Unsupported(_))) => assert!(
            e.to_string()
                .contains("extern (func ksym) 'argctx_no_such_kfunc'"),
            "{e}"
        ),
        Err(e) => panic!("missing_extern.o: {e}"),
        Ok(_) => panic!("missing_extern.o loaded with a strong kfunc the kernel lacks"),
    }
}

#[test]
fn verifier_log_on_request() {
    let _g = serial();
    require_bpf();
    let path = root().join("tests/fixtures/void_ctx.o");
    let data = std::fs::read(path).expect("fixture");
    let obj = Loader::new().verifier_log(true).load(&data).expect("load");
    for p in obj.programs() {
        let l = p.result.as_ref().expect("loaded");
        assert!(
            l.verifier_log()
                .is_some_and(|log| log.contains("processed")),
            "{}",
            p.name
        );
    }
    let quiet = Loader::new()
        .load(&std::fs::read(root().join("tests/fixtures/void_ctx.o")).expect("fixture"))
        .expect("load");
    assert!(quiet
        .programs()
        .iter()
        .all(|p| p.result.as_ref().is_ok_and(|l| l.verifier_log().is_none())));
}

fn open_fds() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn no_descriptor_leaks() {
    let _g = serial();
    require_bpf();
    // Warm up: the probe runs once per process and its result is cached.
    drop(load("void_ctx.o", FallbackPolicy::Auto, &[]));
    // The fixtures, and the corpus objects with externs this kernel resolves (kfuncs, weak
    // kfuncs, kconfig: the .kconfig map and the kernel BTF lookups release what they open too).
    let objects: Vec<(String, Vec<u8>)> = fixtures()
        .into_iter()
        .chain(["kfunc_strong.o", "kfunc_weak.o", "kconfig.o"].map(object_path))
        .map(|p| (obj_name(&p), std::fs::read(&p).expect("fixture")))
        .collect();
    let unsupported =
        std::fs::read(root().join("tests/loader/bpf/unsupported.o")).expect("unsupported.o");
    let before = open_fds();
    let t = std::time::Instant::now();
    let mut cycles = 0;
    let mut max_open = 0;
    for _ in 0..10 {
        for (name, data) in &objects {
            for policy in [
                FallbackPolicy::Auto,
                FallbackPolicy::Always,
                FallbackPolicy::Never,
            ] {
                // Successes, verifier refusals (mismatch.o's '?' programs, kprobe with always),
                // EPERM (fentry) and unsupported programs all release what they opened.
                let obj = Loader::new()
                    .fallback(policy)
                    .object_name(name.clone())
                    .load(data)
                    .expect("load");
                let n = obj.maps().len()
                    + usize::from(obj.btf_fd().is_some())
                    + obj.programs().iter().filter(|p| p.result.is_ok()).count();
                max_open = max_open.max(n);
                if let Some(p) = obj.programs().iter().find_map(|p| p.result.as_ref().ok()) {
                    assert!(p.fd().as_raw_fd() >= 0);
                }
                drop(obj);
                cycles += 1;
            }
        }
        drop(Loader::new().load(&unsupported));
        let _ = Loader::new().load(b"\x7fELF garbage");
        let _ = Loader::new().programs(["nope"]).load(&objects[0].1);
    }
    let after = open_fds();
    assert_eq!(
        before, after,
        "descriptors leaked after {cycles} load/drop cycles"
    );
    println!(
        "{cycles} load/drop cycles ({:?}), up to {max_open} descriptors per object, none leaked",
        t.elapsed()
    );
}

/// Corrupted objects (deterministic byte flips of every fixture) never panic the loader: they
/// fail to open, fail to prepare, or get refused by the kernel.
#[test]
fn corrupted_objects_do_not_panic() {
    let _g = serial();
    require_bpf();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let before = open_fds();
    let (mut loads, mut opened) = (0, 0);
    for path in fixtures() {
        let data = std::fs::read(&path).expect("fixture");
        for _ in 0..40 {
            let mut d = data.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % d.len() as u64) as usize;
                d[at] ^= 1 << (next() % 8);
            }
            for policy in [FallbackPolicy::Auto, FallbackPolicy::Always] {
                if Loader::new().fallback(policy).load(&d).is_ok() {
                    opened += 1;
                }
                loads += 1;
            }
        }
    }
    assert_eq!(before, open_fds(), "descriptors leaked");
    println!("{loads} corrupted loads, {opened} got as far as loading programs");
}

/// Map kinds the fixtures lack, with libbpf's adjustments (ring buffer rounded to a power-of-two
/// number of pages, perf event array sized to the possible CPUs and stripped of BTF ids), and
/// static variables reached through section-symbol relocations with an offset in the
/// instruction.
#[test]
fn more_map_kinds_and_static_variables() {
    let _g = serial();
    require_bpf();
    let data =
        std::fs::read(root().join("tests/loader/bpf/maps.o")).expect("tests/loader/bpf/maps.o");
    let obj = Loader::new().object_name("maps").load(&data).expect("load");
    let prog = obj.program("use_maps").expect("use_maps");
    let prog = prog
        .result
        .as_ref()
        .unwrap_or_else(|e| panic!("{e}\n{}", e.log_tail(10)));
    let info = |n: &str| {
        obj.map(n)
            .unwrap_or_else(|| panic!("map {n}"))
            .info()
            .expect("info")
    };
    let shape = |n: &str| {
        let i = info(n);
        (
            i.map_type,
            i.key_size,
            i.value_size,
            i.max_entries,
            i.map_flags,
        )
    };
    let cpus = std::fs::read_to_string("/sys/devices/system/cpu/possible").expect("possible CPUs");
    let cpus: u32 = cpus
        .trim()
        .split(',')
        .map(|r| match r.split_once('-') {
            Some((a, b)) => b.parse::<u32>().expect("cpu") - a.parse::<u32>().expect("cpu") + 1,
            None => 1,
        })
        .sum();
    assert_eq!(
        shape("rb"),
        (27, 0, 0, 8192, 0),
        "5000 bytes round up to 2 pages"
    );
    assert_eq!(shape("lru"), (9, 8, 4, 128, 0));
    assert_eq!(shape("lru_pcpu"), (10, 4, 8, 16, 0));
    assert_eq!(shape("pcpu_hash"), (5, 4, 8, 8, 1));
    assert_eq!(shape("events"), (4, 4, 4, cpus, 0));
    assert_eq!(
        (
            info("events").btf_key_type_id,
            info("events").btf_value_type_id
        ),
        (0, 0)
    );
    assert_eq!(shape("jumps"), (3, 4, 4, 4, 0));
    assert_eq!(shape("bloom"), (30, 0, 4, 64, 0));
    assert_eq!(obj.map("bloom").expect("bloom").def().map_extra, 3);
    assert_ne!(info("lru").btf_value_type_id, 0);
    assert_eq!(info(".bss").name, "maps.bss");

    let ret = prog.test_run(&[0u8; 64]).expect("test run");
    assert_eq!(ret, 0);
    let zero = 0u32.to_ne_bytes();
    let bss = obj
        .map(".bss")
        .expect("bss")
        .lookup(&zero)
        .expect("lookup")
        .expect("value");
    // second_static (offset 0) += skb->len; first_static (offset 8, via `.bss` + 8) += 0x1111.
    assert_eq!(bss, [64u64.to_ne_bytes(), 0x1111u64.to_ne_bytes()].concat());
    let data = obj
        .map(".data")
        .expect("data")
        .lookup(&zero)
        .expect("lookup")
        .expect("value");
    // data_b (offset 0) 9 + 1; data_a (offset 4) 5 + 2.
    assert_eq!(data, [10u32.to_ne_bytes(), 7u32.to_ne_bytes()].concat());
    let lru = obj
        .map("lru")
        .expect("lru")
        .lookup(&64u64.to_ne_bytes())
        .expect("lookup");
    assert_eq!(lru, Some(1u32.to_ne_bytes().to_vec()));
}
