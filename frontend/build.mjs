// Build/vendor front-end assets into static/vendor/.
//
//   npm ci && npm run build:assets
//
// - Compiles frontend/nhsuk.scss (nhsuk-frontend Sass, Arial font stack,
//   no @font-face, relative asset URLs) to
//   static/vendor/nhsuk-frontend/nhsuk.min.css
// - Copies only the image files that CSS actually references (url(...)),
//   preserving their relative paths next to the CSS.
// - Copies nhsuk-frontend's prebuilt ES-module JS bundle and htmx 2.x.
// - Copies Leaflet's dist/leaflet.js (source-map comment removed), leaflet.css,
//   its images and LICENSE into static/vendor/leaflet/ (the search results map).
// - Fails (exit code 1) if the CSS contains @font-face, Frutiger, or any
//   remote/absolute URL.
//
// Only the output folders static/vendor/nhsuk-frontend, static/vendor/htmx and
// static/vendor/leaflet are deleted and recreated on each run.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const FRONTEND = path.join(ROOT, "frontend");
const VENDOR = path.join(ROOT, "static", "vendor");
const OUT_NHSUK = path.join(VENDOR, "nhsuk-frontend");
const OUT_HTMX = path.join(VENDOR, "htmx");
const OUT_LEAFLET = path.join(VENDOR, "leaflet");

const errors = [];
const fail = (msg) => errors.push(msg);

function pkgDir(name) {
  // Not require.resolve(`${name}/package.json`): some packages (sass) don't export it.
  const dir = path.join(ROOT, "node_modules", name);
  if (!fs.existsSync(path.join(dir, "package.json"))) {
    throw new Error(`${name} is not installed; run \`npm ci\` first`);
  }
  return dir;
}
function pkgVersion(name) {
  return JSON.parse(fs.readFileSync(path.join(pkgDir(name), "package.json"), "utf8")).version;
}
function copy(src, dest) {
  if (!fs.existsSync(src)) throw new Error(`missing source file: ${path.relative(ROOT, src)}`);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(src, dest);
}
function firstExisting(dir, names) {
  for (const n of names) {
    const p = path.join(dir, n);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

const nhsukDir = pkgDir("nhsuk-frontend");
const nhsukDist = path.join(nhsukDir, "dist", "nhsuk");
const nhsukVersion = pkgVersion("nhsuk-frontend");
const htmxDir = pkgDir("htmx.org");
const htmxVersion = pkgVersion("htmx.org");
const sassVersion = pkgVersion("sass");
const leafletDir = pkgDir("leaflet");
const leafletVersion = pkgVersion("leaflet");

if (!htmxVersion.startsWith("2.")) fail(`htmx.org must be 2.x, found ${htmxVersion}`);

// Clean outputs.
for (const d of [OUT_NHSUK, OUT_HTMX, OUT_LEAFLET]) {
  fs.rmSync(d, { recursive: true, force: true });
  fs.mkdirSync(d, { recursive: true });
}

// ---------------------------------------------------------------- CSS
const warnings = [];
const result = sass.compile(path.join(FRONTEND, "nhsuk.scss"), {
  style: "compressed",
  sourceMap: false,
  importers: [new sass.NodePackageImporter(ROOT)],
  logger: {
    warn(message, { deprecation }) {
      warnings.push(`${deprecation ? "[deprecation] " : ""}${message.split("\n")[0]}`);
    },
  },
});
let css = result.css;

if (/@font-face/i.test(css)) fail("CSS contains an @font-face rule");
if (/frutiger/i.test(css)) fail("CSS mentions Frutiger");
if (/assets\.nhs\.uk/i.test(css)) fail("CSS references assets.nhs.uk");
if (/@import/i.test(css)) fail("CSS contains an @import");

// Strip comments for the URL check (only /*! */ comments survive compression).
const cssNoComments = css.replace(/\/\*[\s\S]*?\*\//g, "");
if (/https?:/i.test(cssNoComments)) fail("CSS contains an http(s): URL outside comments");

const urlRe = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)/g;
const localAssets = new Set();
for (const m of cssNoComments.matchAll(urlRe)) {
  const u = (m[1] ?? m[2] ?? m[3] ?? "").trim();
  if (u.startsWith("data:") || u.startsWith("#")) continue;
  if (/^[a-z][a-z0-9+.-]*:/i.test(u) || u.startsWith("//") || u.startsWith("/")) {
    fail(`CSS url() is not a relative local path: ${u}`);
    continue;
  }
  localAssets.add(u.split(/[?#]/)[0]);
}

fs.writeFileSync(path.join(OUT_NHSUK, "nhsuk.min.css"), css.endsWith("\n") ? css : css + "\n");

// Referenced assets: "images/x.svg" in CSS -> dist/nhsuk/assets/images/x.svg
for (const rel of [...localAssets].sort()) {
  const dest = path.resolve(OUT_NHSUK, rel);
  if (!dest.startsWith(OUT_NHSUK + path.sep)) {
    fail(`CSS url() escapes the output folder: ${rel}`);
    continue;
  }
  copy(path.join(nhsukDist, "assets", rel), dest);
  const body = fs.readFileSync(dest, "utf8");
  // SVG xmlns declarations are identifiers, not fetches; anything else is suspect.
  const remote = body.replace(/xmlns(:\w+)?="http:\/\/www\.w3\.org\/[^"]*"/g, "").match(/https?:\/\/[^\s"')]+/);
  if (remote) fail(`${rel} references a remote URL: ${remote[0]}`);
}

// ---------------------------------------------------------------- nhsuk JS
// The package ships a prebuilt ES module bundle. Its trailing
// "//# sourceMappingURL=..." comment is removed because the .map is not
// vendored (Django's ManifestStaticFilesStorage would otherwise fail on the
// missing file during collectstatic).
const jsSrc = path.join(nhsukDist, "nhsuk-frontend.min.js");
if (!fs.existsSync(jsSrc)) throw new Error("nhsuk-frontend.min.js not found in package dist");
const js = fs.readFileSync(jsSrc, "utf8").replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, "\n");
fs.writeFileSync(path.join(OUT_NHSUK, "nhsuk-frontend.min.js"), js);

// ---------------------------------------------------------------- licences
const nhsukLicence =
  firstExisting(nhsukDir, ["LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "LICENCE.md"]) ??
  path.join(FRONTEND, "licenses", "nhsuk-frontend-LICENSE.txt");
copy(nhsukLicence, path.join(OUT_NHSUK, "LICENSE.txt"));

const htmxLicence = firstExisting(htmxDir, ["LICENSE", "LICENSE.md", "LICENSE.txt"]);
if (!htmxLicence) throw new Error("htmx.org LICENSE not found");
copy(htmxLicence, path.join(OUT_HTMX, "LICENSE.txt"));

// ---------------------------------------------------------------- htmx
const htmxJs = fs.readFileSync(path.join(htmxDir, "dist", "htmx.min.js"), "utf8");
if (/sourceMappingURL/.test(htmxJs)) fail("htmx.min.js unexpectedly references a source map");
copy(path.join(htmxDir, "dist", "htmx.min.js"), path.join(OUT_HTMX, "htmx.min.js"));

// ---------------------------------------------------------------- Leaflet
// The map of search results. Nothing in it fetches from another host by itself: tiles
// come only from the tile server the site is configured with (MAP_TILE_URL).
const leafletDist = path.join(leafletDir, "dist");
const leafletJs = fs
  .readFileSync(path.join(leafletDist, "leaflet.js"), "utf8")
  .replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, "\n");
if (/sourceMappingURL/.test(leafletJs)) fail("leaflet.js still references a source map");
fs.writeFileSync(path.join(OUT_LEAFLET, "leaflet.js"), leafletJs);
const leafletCss = fs.readFileSync(path.join(leafletDist, "leaflet.css"), "utf8");
for (const m of leafletCss.replace(/\/\*[\s\S]*?\*\//g, "").matchAll(urlRe)) {
  const u = (m[1] ?? m[2] ?? m[3] ?? "").trim();
  if (u.startsWith("#") || u.startsWith("data:")) continue;
  if (!u.startsWith("images/")) fail(`leaflet.css url() is not a local image: ${u}`);
}
copy(path.join(leafletDist, "leaflet.css"), path.join(OUT_LEAFLET, "leaflet.css"));
for (const image of fs.readdirSync(path.join(leafletDist, "images")).sort()) {
  copy(path.join(leafletDist, "images", image), path.join(OUT_LEAFLET, "images", image));
}
const leafletLicence = firstExisting(leafletDir, ["LICENSE", "LICENSE.md", "LICENSE.txt"]);
if (!leafletLicence) throw new Error("leaflet LICENSE not found");
copy(leafletLicence, path.join(OUT_LEAFLET, "LICENSE.txt"));

// ---------------------------------------------------------------- READMEs
const licenceSource =
  nhsukLicence.startsWith(nhsukDir)
    ? `the package's own \`${path.basename(nhsukLicence)}\``
    : "`frontend/licenses/nhsuk-frontend-LICENSE.txt` (the npm tarball ships no LICENSE file; " +
      "this is the MIT licence from the root of https://github.com/nhsuk/nhsuk-frontend)";

fs.writeFileSync(
  path.join(OUT_NHSUK, "README.md"),
  `# nhsuk-frontend ${nhsukVersion} (vendored, rebuilt)

Generated by \`frontend/build.mjs\`. Do not edit by hand. Rebuild with:

    npm ci && npm run build:assets

Source: the npm package [nhsuk-frontend@${nhsukVersion}](https://www.npmjs.com/package/nhsuk-frontend/v/${nhsukVersion})
(https://github.com/nhsuk/nhsuk-frontend), MIT licence, see \`LICENSE.txt\`
(copied from ${licenceSource}).

- \`nhsuk.min.css\`: compiled from \`frontend/nhsuk.scss\` with dart-sass ${sassVersion}.
  Font stack is \`Arial, "Helvetica Neue", Helvetica, sans-serif\`; the Frutiger
  web font is NOT used, there is no \`@font-face\` rule and nothing is loaded
  from assets.nhs.uk or any other host. Asset URLs are relative to this folder.
- \`images/\`: only the icons referenced by \`nhsuk.min.css\`
  (${[...localAssets].sort().map((a) => `\`${a}\``).join(", ") || "none"}).
- \`nhsuk-frontend.min.js\`: the package's prebuilt ES module bundle
  (\`dist/nhsuk/nhsuk-frontend.min.js\`, source-map comment removed). Load it with
  \`<script type="module">\` and call \`initAll()\`.

This site is an independent directory, not an NHS organisation: do not use the
NHS logo, favicons or other NHS identity assets from the package.
`,
);

fs.writeFileSync(
  path.join(OUT_HTMX, "README.md"),
  `# htmx ${htmxVersion} (vendored)

\`htmx.min.js\` is copied unmodified from the npm package htmx.org@${htmxVersion}
(\`dist/htmx.min.js\`); licence in \`LICENSE.txt\`. Rebuild with
\`npm ci && npm run build:assets\` (see \`frontend/build.mjs\`).
`,
);

fs.writeFileSync(
  path.join(OUT_LEAFLET, "README.md"),
  `# Leaflet ${leafletVersion} (vendored)

Copied from the npm package leaflet@${leafletVersion}
(https://github.com/Leaflet/Leaflet), BSD-2-Clause licence, see \`LICENSE.txt\`.
Rebuild with \`npm ci && npm run build:assets\` (see \`frontend/build.mjs\`).

- \`leaflet.js\`: \`dist/leaflet.js\`, source-map comment removed.
- \`leaflet.css\` and \`images/\`: unmodified.

Used only by the search results map, and only when the site has a tile server
(\`MAP_TILE_URL\`); without one no map is drawn and nothing is fetched.
`,
);

// ---------------------------------------------------------------- report
for (const w of warnings) console.warn(`sass warning: ${w}`);
if (errors.length) {
  for (const e of errors) console.error(`ERROR: ${e}`);
  process.exit(1);
}

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}
console.log(
  `nhsuk-frontend ${nhsukVersion}, htmx.org ${htmxVersion}, leaflet ${leafletVersion}, sass ${sassVersion}`,
);
for (const f of [...walk(OUT_NHSUK), ...walk(OUT_HTMX), ...walk(OUT_LEAFLET)].sort()) {
  console.log(`${String(fs.statSync(f).size).padStart(8)}  ${path.relative(ROOT, f)}`);
}
