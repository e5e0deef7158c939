// startstate: prints what Rust's std took from the kernel's start state (arguments, environment,
// executable, threads and their locals, unwinding), for the programs suite to compare run
// directly and through ulexec. With the argument "overflow" the main thread overflows its stack,
// which std reports only when it finds the fault in the guard below the stack the kernel made.
use std::cell::Cell;
use std::panic;
use std::thread;

thread_local!(static COUNTER: Cell<u64> = Cell::new(0));

fn count_on_this_thread(n: u64) -> u64 {
    for i in 0..n {
        COUNTER.with(|c| c.set(c.get() + i));
    }
    COUNTER.with(|c| c.get())
}

// Each frame keeps an array alive across the call below it, so that the recursion stays one.
fn recurse(parent: &[u64; 64]) -> u64 {
    let depth = unsafe { std::ptr::read_volatile(&parent[0]) };
    if depth == u64::MAX {
        return 0;
    }
    let frame = [depth + 1; 64];
    recurse(&frame) + unsafe { std::ptr::read_volatile(&frame[63]) }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 2 && args[1] == "overflow" {
        println!("{}", recurse(&[0; 64]));
        return;
    }
    println!("args: {:?}", args);
    println!("STARTSTATE_VAR: {:?}", std::env::var("STARTSTATE_VAR"));
    println!("executable: {:?}", std::env::current_exe());
    let threads: Vec<_> = (0..4).map(|t| thread::spawn(move || count_on_this_thread(1000 * (t + 1)))).collect();
    let sums: Vec<u64> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    println!("thread-local sums: {:?}, main's: {}", sums, count_on_this_thread(0));
    // Unwinding finds its tables through the program headers (PT_GNU_EH_FRAME). The hook leaves
    // out the thread id that newer default hooks print.
    panic::set_hook(Box::new(|info| eprintln!("hook: {}", info)));
    let caught = panic::catch_unwind(|| panic!("boom {}", args.len()));
    println!("caught: {:?}", caught.err().and_then(|e| e.downcast_ref::<String>().cloned()));
    let joined = thread::spawn(|| -> u32 { panic!("in a thread") }).join();
    println!("thread panicked: {}", joined.is_err());
    std::process::exit(5);
}
