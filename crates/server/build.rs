//! Builds the web UI (`web/`) with npm and Vite and writes `$OUT_DIR/web_assets.rs`, the table
//! of files the binary embeds and serves at `/`.
//!
//! npm runs only when it has something to do: `npm install` (from the lock) when `web/node_modules` is missing or
//! `package-lock.json` is newer than npm's record of the last install, and `npm run build` when
//! a source file is newer than `web/dist/index.html`. A release and a debug build (or clippy)
//! therefore share one Vite build instead of running it once per profile.
//!
//! The files are copied into `$OUT_DIR/web` and embedded from there, so the binary always holds
//! one consistent build.
//!
//! With `RECOUP_SKIP_WEB=1` nothing runs and the binary embeds one page saying the UI was not
//! built (for machines without Node.js, or Rust-only work). Without npm and without that
//! variable the build fails with a message saying so.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// Files and directories whose change means the UI must be rebuilt.
const INPUTS: [&str; 8] = [
    "src",
    "openapi.json",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
    "public",
];

/// A build-script failure, printed by cargo as is.
struct BuildError(String);

impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn main() -> Result<(), BuildError> {
    let manifest_dir = PathBuf::from(env("CARGO_MANIFEST_DIR")?);
    let out_dir = PathBuf::from(env("OUT_DIR")?);
    let web = manifest_dir.join("../../web");
    println!("cargo:rerun-if-env-changed=RECOUP_SKIP_WEB");
    for input in INPUTS {
        println!("cargo:rerun-if-changed={}", web.join(input).display());
    }
    // Not `web/dist`: the script writes it, and cargo would then rerun the script on every
    // build. The embedded files are tracked by `include_bytes!` instead.

    let skip = std::env::var("RECOUP_SKIP_WEB").is_ok_and(|v| !v.is_empty() && v != "0");
    let files = if skip {
        placeholder(&out_dir)?
    } else {
        build_web(&web)?;
        let dist = web.join("dist");
        let mut files = Vec::new();
        collect(&dist, &dist, &mut files)?;
        snapshot(&out_dir, files)?
    };
    write_table(&out_dir, &files)
}

fn env(name: &str) -> Result<String, BuildError> {
    std::env::var(name).map_err(|_| BuildError(format!("cargo did not set {name}")))
}

/// Runs `npm install` and `npm run build` in `web` when their inputs are newer than their outputs.
fn build_web(web: &Path) -> Result<(), BuildError> {
    let lock = web.join("package-lock.json");
    let installed = web.join("node_modules/.package-lock.json");
    if !installed.exists() || modified(&lock) > modified(&installed) {
        // `npm install` from the committed lock, not `npm ci`: npm 11.19 writes a lock without
        // other platforms' optional packages (rollup's) and then its own `npm ci` refuses that
        // lock as out of sync. `install` with an in-sync lock installs exactly the locked
        // versions and leaves the lock unchanged.
        let before = std::fs::read(&lock).ok();
        let stamp = modified(&lock);
        npm(web, &["install", "--no-audit", "--no-fund"])?;
        // npm rewrites the lock even when nothing in it changed; its new mtime would make
        // cargo rerun this script (and rebuild the server and the CLI) on the next build.
        if let (Some(before), Some(stamp)) = (before, stamp) {
            if std::fs::read(&lock).ok().as_deref() == Some(before.as_slice()) {
                keep_modified(&lock, stamp)?;
            }
        }
    }
    let newest_input = INPUTS
        .iter()
        .map(|input| newest(&web.join(input)))
        .max()
        .flatten();
    let built = modified(&web.join("dist/index.html"));
    if built.is_none() || newest_input > built {
        npm(web, &["run", "build"])?;
    }
    Ok(())
}

fn npm(web: &Path, args: &[&str]) -> Result<(), BuildError> {
    let output = Command::new("npm")
        .args(args)
        .current_dir(web)
        .output()
        .map_err(|error| {
            BuildError(format!(
                "\n\nrecoup-server embeds the web UI, which needs Node.js 20+ and npm to build \
                 (cannot run `npm {}`: {error}).\nInstall them (Debian: `apt-get install nodejs npm`), \
                 or build without the UI: RECOUP_SKIP_WEB=1 cargo build\n",
                args.join(" ")
            ))
        })?;
    if !output.status.success() {
        return Err(BuildError(format!(
            "\n\n`npm {}` in {} failed ({}):\n{}\n{}\n(set RECOUP_SKIP_WEB=1 to build without the UI)\n",
            args.join(" "),
            web.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        )));
    }
    // Vite's chunk table (sizes per chunk) and our bundle report, visible with `cargo build -vv`.
    eprintln!("{}", String::from_utf8_lossy(&output.stdout));
    Ok(())
}

/// Sets `path`'s modification time back to `stamp`.
fn keep_modified(path: &Path, stamp: SystemTime) -> Result<(), BuildError> {
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|file| file.set_modified(stamp))
        .map_err(|error| {
            BuildError(format!(
                "cannot restore the time of {}: {error}",
                path.display()
            ))
        })
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The newest modification time of a file or of anything under a directory.
fn newest(path: &Path) -> Option<SystemTime> {
    let metadata = std::fs::metadata(path).ok()?;
    let own = metadata.modified().ok();
    if !metadata.is_dir() {
        return own;
    }
    let entries = std::fs::read_dir(path).ok()?;
    entries
        .filter_map(Result::ok)
        .map(|entry| newest(&entry.path()))
        .fold(own, Option::max)
}

/// Every file under `dir`, as (path relative to `root` with `/`, absolute path).
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) -> Result<(), BuildError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|error| BuildError(format!("cannot read {}: {error}", dir.display())))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect(root, &path, files)?;
        } else {
            let relative = path
                .strip_prefix(root)
                .map_err(|error| BuildError(error.to_string()))?
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let absolute = path
                .canonicalize()
                .map_err(|error| BuildError(format!("{}: {error}", path.display())))?;
            files.push((relative, absolute));
        }
    }
    if files.iter().all(|(name, _)| name != "index.html") && dir == root {
        return Err(BuildError(format!(
            "{} has no index.html: the web build did not finish",
            root.display()
        )));
    }
    Ok(())
}

/// Copies the built files into `$OUT_DIR/web`, so that the binary embeds this build even if
/// `web/dist` is rebuilt by hand (`npm run build`) before rustc reads the files.
fn snapshot(
    out_dir: &Path,
    files: Vec<(String, PathBuf)>,
) -> Result<Vec<(String, PathBuf)>, BuildError> {
    let root = out_dir.join("web");
    if root.exists() {
        std::fs::remove_dir_all(&root)
            .map_err(|error| BuildError(format!("cannot clear {}: {error}", root.display())))?;
    }
    let mut copies = Vec::with_capacity(files.len());
    for (name, source) in files {
        let target = root.join(&name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|error| {
                BuildError(format!("cannot create {}: {error}", parent.display()))
            })?;
        }
        std::fs::copy(&source, &target)
            .map_err(|error| BuildError(format!("cannot copy {}: {error}", source.display())))?;
        copies.push((name, target));
    }
    Ok(copies)
}

/// The page embedded when the UI was not built.
fn placeholder(out_dir: &Path) -> Result<Vec<(String, PathBuf)>, BuildError> {
    let path = out_dir.join("placeholder-index.html");
    let page = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>recoup</title></head>\n\
        <body><h1>recoup</h1><p>The web UI was not built into this binary (built with RECOUP_SKIP_WEB=1). \
        The API is at <a href=\"/api/docs\">/api/docs</a>.</p>\n\
        <p>本程序构建时跳过了网页界面（RECOUP_SKIP_WEB=1）。接口文档见 <a href=\"/api/docs\">/api/docs</a>。</p></body></html>\n";
    std::fs::write(&path, page)
        .map_err(|error| BuildError(format!("cannot write {}: {error}", path.display())))?;
    Ok(vec![("index.html".to_string(), path)])
}

/// Writes `web_assets.rs`: `ASSETS`, a sorted table of (path, bytes) for `include_bytes!`.
fn write_table(out_dir: &Path, files: &[(String, PathBuf)]) -> Result<(), BuildError> {
    let mut table =
        String::from("/// The embedded web UI: (path under `/`, contents), sorted by path.\n");
    table.push_str("pub(crate) static ASSETS: &[(&str, &[u8])] = &[\n");
    let mut sorted: Vec<&(String, PathBuf)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, path) in sorted {
        table.push_str(&format!(
            "    ({:?}, include_bytes!({:?})),\n",
            name,
            path.display().to_string()
        ));
    }
    table.push_str("];\n");
    let target = out_dir.join("web_assets.rs");
    std::fs::write(&target, table)
        .map_err(|error| BuildError(format!("cannot write {}: {error}", target.display())))
}
