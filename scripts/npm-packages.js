#!/usr/bin/env node
// Builds and checks figma-auth's npm packages (plain Node.js, no dependencies).
//
//   node scripts/npm-packages.js version [--check]
//       Sets the launcher's version and its optionalDependencies (one per entry of
//       npm/figma-auth/platforms.json, same version) to the crate's version from Cargo.toml.
//       With --check it changes nothing and fails, listing each difference, when they drift.
//   node scripts/npm-packages.js platform TARGET BINARY OUTDIR
//       Stages the platform package of the Rust target TARGET, holding BINARY, in OUTDIR and
//       prints its directory.
//   node scripts/npm-packages.js launcher OUTDIR
//       Stages the launcher package in OUTDIR and prints its directory.
//   node scripts/npm-packages.js package-of TARGET
//       Prints the npm package name of the Rust target TARGET.
//   node scripts/npm-packages.js targets
//       Prints every release target, one a line.
//
// `npm pack` of a staged directory gives the tarball that `npm publish` uploads.
"use strict";

const fs = require("fs");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");
const LAUNCHER = path.join(ROOT, "npm", "figma-auth");
const MANIFEST = path.join(LAUNCHER, "package.json");
const { packages } = require(path.join(LAUNCHER, "platforms.json"));
const LICENSES = ["LICENSE-MIT", "LICENSE-APACHE"];

function die(message) {
  fs.writeSync(2, `error: ${message}\n`);
  process.exit(1);
}

/** The `version` of the `[package]` table of Cargo.toml. */
function crateVersion() {
  const text = fs.readFileSync(path.join(ROOT, "Cargo.toml"), "utf8");
  const section = text.split(/^\[/m).find((s) => s.startsWith("package]"));
  const m = section && section.match(/^version\s*=\s*"([^"]+)"/m);
  if (!m) die("no version in the [package] table of Cargo.toml");
  return m[1];
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

function writeJson(file, value) {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function expectedLauncher(manifest, version) {
  const optional = {};
  for (const p of packages) optional[p.name] = version;
  return { ...manifest, version, optionalDependencies: optional };
}

function version(args) {
  const check = args.includes("--check");
  const want = crateVersion();
  const manifest = readJson(MANIFEST);
  const expected = expectedLauncher(manifest, want);
  const problems = [];
  if (manifest.version !== want) {
    problems.push(`npm/figma-auth/package.json: version is ${manifest.version}, Cargo.toml says ${want}`);
  }
  const have = manifest.optionalDependencies || {};
  for (const [name, v] of Object.entries(expected.optionalDependencies)) {
    if (have[name] !== v) problems.push(`optionalDependencies.${name} is ${have[name] || "missing"}, want ${v}`);
  }
  for (const name of Object.keys(have)) {
    if (!(name in expected.optionalDependencies)) {
      problems.push(`optionalDependencies.${name} is not in npm/figma-auth/platforms.json`);
    }
  }
  for (const hook of ["preinstall", "install", "postinstall", "prepare"]) {
    if (manifest.scripts && manifest.scripts[hook]) problems.push(`the launcher must have no ${hook} script`);
  }
  if (!check) {
    if (JSON.stringify(manifest) !== JSON.stringify(expected)) writeJson(MANIFEST, expected);
    console.log(`npm packages at version ${want}`);
    return;
  }
  if (problems.length) {
    die(`the npm packages drifted from the crate:\n  ${problems.join("\n  ")}\nhint: scripts/npm-version.sh`);
  }
  console.log(`npm packages match the crate (${want})`);
}

function packageOf(target) {
  const pkg = packages.find((p) => p.target === target);
  if (!pkg) {
    die(`no npm package for the target ${target} (npm/figma-auth/platforms.json has ${packages.map((p) => p.target).join(", ")})`);
  }
  return pkg;
}

function copyLicenses(dir) {
  for (const f of LICENSES) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
}

function fresh(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** The newest glibc symbol version a Linux glibc binary asks for ("2.34"), read from the version
 * names in its dynamic string table; null when it names none. */
function glibcNeeded(binary) {
  const text = fs.readFileSync(binary).toString("latin1");
  let best = null;
  for (const m of text.matchAll(/GLIBC_(\d+)\.(\d+)(?:\.(\d+))?/g)) {
    const v = [Number(m[1]), Number(m[2]), Number(m[3] || 0)];
    if (!best || v[0] > best[0] || (v[0] === best[0] && (v[1] > best[1] || (v[1] === best[1] && v[2] > best[2])))) {
      best = v;
    }
  }
  return best && (best[2] ? best.join(".") : `${best[0]}.${best[1]}`);
}

function platform([target, binary, outdir]) {
  if (!target || !binary || !outdir) die("usage: npm-packages.js platform TARGET BINARY OUTDIR");
  const pkg = packageOf(target);
  const launcher = readJson(MANIFEST);
  const dir = fresh(path.join(path.resolve(outdir), pkg.name.replace("@", "").replace("/", "-")));
  const exe = pkg.os === "win32" ? "figma-auth.exe" : "figma-auth";
  const needs = pkg.libc === "glibc" ? glibcNeeded(binary) : null;
  fs.mkdirSync(path.join(dir, "bin"));
  fs.copyFileSync(binary, path.join(dir, "bin", exe));
  fs.chmodSync(path.join(dir, "bin", exe), 0o755);
  copyLicenses(dir);
  const manifest = {
    name: pkg.name,
    version: crateVersion(),
    description: `The figma-auth binary for ${pkg.os} ${pkg.cpu}${pkg.libc ? ` (${pkg.libc})` : ""} (${pkg.target}); install the figma-auth package, which runs it`,
    license: launcher.license,
    homepage: launcher.homepage,
    repository: launcher.repository,
    os: [pkg.os],
    cpu: [pkg.cpu],
    ...(pkg.libc ? { libc: [pkg.libc] } : {}),
    // The launcher runs a glibc build only on a glibc at least this new (else the static one).
    ...(needs ? { figmaAuth: { minGlibc: needs } } : {}),
    files: [`bin/${exe}`, ...LICENSES, "README.md"],
    // Yarn's Plug'n'Play keeps the binary as a real file on disk, where it can be executed.
    preferUnplugged: true,
    publishConfig: launcher.publishConfig,
  };
  writeJson(path.join(dir, "package.json"), manifest);
  fs.writeFileSync(
    path.join(dir, "README.md"),
    `# ${pkg.name}\n\nThe native \`figma-auth\` binary for ${pkg.os} ${pkg.cpu}` +
      `${pkg.libc ? ` with ${pkg.libc}` : ""} (Rust target \`${pkg.target}\`).\n\n` +
      "Do not install this package directly: install [`figma-auth`](https://www.npmjs.com/package/figma-auth), " +
      "which depends on the package of each platform and runs the one that fits.\n",
  );
  console.log(dir);
}

function launcher([outdir]) {
  if (!outdir) die("usage: npm-packages.js launcher OUTDIR");
  const manifest = readJson(MANIFEST);
  const expected = expectedLauncher(manifest, crateVersion());
  if (JSON.stringify(manifest) !== JSON.stringify(expected)) {
    die("npm/figma-auth/package.json does not match the crate's version\nhint: scripts/npm-version.sh");
  }
  const dir = fresh(path.join(path.resolve(outdir), "figma-auth"));
  fs.mkdirSync(path.join(dir, "bin"));
  for (const f of manifest.files) {
    const from = LICENSES.includes(f) ? path.join(ROOT, f) : path.join(LAUNCHER, f);
    fs.copyFileSync(from, path.join(dir, f));
  }
  fs.chmodSync(path.join(dir, "bin", "figma-auth"), 0o755);
  writeJson(path.join(dir, "package.json"), manifest);
  console.log(dir);
}

const [command, ...rest] = process.argv.slice(2);
switch (command) {
  case "version":
    version(rest);
    break;
  case "platform":
    platform(rest);
    break;
  case "launcher":
    launcher(rest);
    break;
  case "package-of":
    console.log(packageOf(rest[0]).name);
    break;
  case "targets":
    for (const p of packages) console.log(p.target);
    break;
  default:
    die("usage: npm-packages.js version [--check] | platform TARGET BINARY OUTDIR | launcher OUTDIR | package-of TARGET | targets");
}
