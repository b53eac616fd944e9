// What a Python worker's zip carries besides its own files (plugin.json `vendor`), so Lambda's
// Python runtime needs nothing else: package folders (the SDK, a `pip install --target` tree) and
// packages installed for the build's Python (`python:google.protobuf`). Only .py files go in — no
// compiled extensions — so protobuf runs as pure Python on any CPython and architecture.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { ZipEntry } from "./deterministic-zip.js";

/** A vendor entry naming an installed package rather than a folder. */
const INSTALLED = /^python:([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)$/;

/** How to install what an author vendors by name (the message when it is missing). */
const INSTALL_HINTS: Readonly<Record<string, string>> = {
  "google.protobuf": "apt-get install python3-protobuf, or pip install protobuf",
};

/** The Python whose installed packages are vendored: CREDVEND_PYTHON, else Debian's /usr/bin/python3. */
export function buildPython(): string {
  return process.env.CREDVEND_PYTHON ?? "/usr/bin/python3";
}

/** One `vendor` entry's files: `python:<module>` (installed) or a folder relative to `workerDir`. */
export function vendorEntries(entry: string, folder: string): ZipEntry[] {
  const module = INSTALLED.exec(entry)?.[1];
  return module === undefined ? folderFiles(folder) : installedPackageFiles(module);
}

/** A vendored package folder: its .py files (no caches, no tests) as `<package>/<path>`, in a stable order. */
function folderFiles(folder: string): ZipEntry[] {
  const name = folder.split("/").at(-1)!;
  if (!existsSync(folder)) throw new Error(`vendor: ${folder} not found`);
  const files = pyFiles(folder).map((file) => ({ name: `${name}/${relative(folder, file)}`, data: readFileSync(file) }));
  // A namespace package (google/ of protobuf) has no __init__.py: it needs its folder entry.
  return existsSync(join(folder, "__init__.py")) ? files : [folderEntry(name), ...files];
}

/**
 * zipimport (`python3 code.zip`) finds a namespace package only by its folder entry; Lambda and the
 * local host unpack the zip, where the folder is there anyway.
 */
function folderEntry(path: string): ZipEntry {
  return { name: `${path}/`, data: new Uint8Array() };
}

function pyFiles(folder: string): string[] {
  const walk = (at: string): string[] =>
    readdirSync(at, { withFileTypes: true })
      .filter((e) => e.name !== "__pycache__" && e.name !== "tests")
      .flatMap((e) => (e.isDirectory() ? walk(join(at, e.name)) : e.name.endsWith(".py") ? [join(at, e.name)] : []));
  return walk(folder).sort();
}

// Run by the build's Python: where the package is (found, not imported: none of its code runs), and
// the license files its distribution lists.
const LOCATE = `
import importlib.metadata as md, importlib.util, json, os, re, sys
name = sys.argv[1]
try:
    spec = importlib.util.find_spec(name)
except ImportError as error:
    spec, why = None, str(error)
else:
    why = "No module named %r" % name
if spec is None:
    print(json.dumps({"missing": why})); sys.exit(0)
if not spec.submodule_search_locations or not spec.origin or not spec.origin.endswith("__init__.py"):
    print(json.dumps({"notPackage": True})); sys.exit(0)
folder = os.path.dirname(os.path.realpath(spec.origin))
init = name.replace(".", "/") + "/__init__.py"
licenses = []
for dist in md.distributions():
    files = [str(f).replace(os.sep, "/") for f in (dist.files or [])]
    if init in files:
        licenses = [str(dist.locate_file(f)) for f in files if re.match(r"(LICEN[CS]E|COPYING)", f.rsplit("/", 1)[-1], re.I)]
        break
print(json.dumps({"folder": folder, "init": os.path.join(folder, "__init__.py"), "licenses": licenses}))
`;

interface Located {
  readonly missing?: string;
  readonly notPackage?: boolean;
  readonly folder: string;
  readonly init: string;
  readonly licenses: readonly string[];
}

/**
 * An installed package, as the build's Python imports it: its .py files under its module path
 * (google.protobuf → google/protobuf/…) and its distribution's license as `<path>/LICENSE`.
 */
function installedPackageFiles(module: string): ZipEntry[] {
  const python = buildPython();
  const hint = INSTALL_HINTS[module] ?? `pip install the distribution that provides ${module}`;
  // cwd "/": the -c script must not import a same-named folder from wherever the build runs.
  const run = spawnSync(python, ["-c", LOCATE, module], { encoding: "utf8", cwd: "/" });
  if (run.error || run.status !== 0)
    throw new Error(
      `vendor python:${module}: cannot run ${python} (${run.error?.message ?? run.stderr.trim()}); set CREDVEND_PYTHON to a Python 3`,
    );
  const located = JSON.parse(run.stdout) as Located;
  if (located.missing !== undefined)
    throw new Error(`vendor python:${module}: ${python} cannot import ${module} (${hint}; or set CREDVEND_PYTHON to a Python that has it)`);
  if (located.notPackage) throw new Error(`vendor python:${module}: not a package folder with an __init__.py`);
  const prefix = module.replaceAll(".", "/");
  const files = pyFiles(located.folder).map((file) => ({ name: `${prefix}/${relative(located.folder, file)}`, data: readFileSync(file) }));
  // Its parents (google/ of google.protobuf) are namespace packages: folder entries only.
  const parents = prefix
    .split("/")
    .slice(0, -1)
    .map((_, i, parts) => folderEntry(parts.slice(0, i + 1).join("/")));
  return [...parents, ...files, { name: `${prefix}/LICENSE`, data: licenseOf(module, located) }];
}

/** The distribution's license file, else the Debian package's copyright file; vendored code ships with its license. */
function licenseOf(module: string, located: Located): Buffer {
  const listed = located.licenses.find((file) => existsSync(file));
  if (listed) return readFileSync(listed);
  const owner = spawnSync("dpkg-query", ["-S", located.init], { encoding: "utf8" });
  const debianPackage = owner.status === 0 ? /^([^:\s]+)(?::[^:\s]+)?: /.exec(owner.stdout)?.[1] : undefined;
  const copyright = debianPackage ? `/usr/share/doc/${debianPackage}/copyright` : undefined;
  if (copyright && existsSync(copyright)) return readFileSync(copyright);
  throw new Error(`vendor python:${module}: found no license file for ${located.folder}; vendored code must ship with its license`);
}
