// Compiles the workload contracts with the pinned solc-js and writes the artifact the Python
// package loads: per contract the runtime and creation bytecode, the function selectors and the
// storage slots, plus the compiler version and each source's sha256 (a test checks those
// against the sources, so bytecode and source cannot drift apart silently).
// Run from this folder: `npm ci --no-audit --no-fund && node compile.js` (or `make contracts`).
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const SOURCES = { Token: "Token.sol", Pair: "Pair.sol", Counter: "Counter.sol" };
const OUTPUT = path.join(__dirname, "..", "src", "parevm", "workloads", "contracts.json");
const SETTINGS = {
  evmVersion: "cancun",
  optimizer: { enabled: true, runs: 200 },
  // No metadata hash: the bytecode depends on the code, not on comments or file paths.
  metadata: { bytecodeHash: "none" },
  outputSelection: {
    "*": { "*": ["evm.bytecode", "evm.deployedBytecode", "evm.methodIdentifiers", "storageLayout"] },
  },
};

function fail(message) {
  console.error(`compile.js: ${message}`);
  process.exit(1);
}

const files = Object.fromEntries(
  Object.values(SOURCES).map((file) => [file, fs.readFileSync(path.join(__dirname, file))]),
);
const input = {
  language: "Solidity",
  sources: Object.fromEntries(
    Object.entries(files).map(([file, bytes]) => [file, { content: bytes.toString("utf8") }]),
  ),
  settings: SETTINGS,
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length) fail(errors.map((e) => e.formattedMessage).join("\n"));

const contracts = {};
for (const [name, file] of Object.entries(SOURCES)) {
  const compiled = output.contracts[file][name];
  const runtime = compiled.evm.deployedBytecode;
  // Genesis holds the runtime code as compiled: immutables or libraries would need patching.
  if (Object.keys(runtime.immutableReferences || {}).length) fail(`${name} has immutables`);
  if (Object.keys(runtime.linkReferences || {}).length) fail(`${name} links libraries`);
  const storage = {};
  for (const entry of compiled.storageLayout.storage) {
    // The Python side computes slots from the slot number alone: every variable fills its slot.
    if (entry.offset !== 0) fail(`${name}.${entry.label} is packed at offset ${entry.offset}`);
    storage[entry.label] = Number(entry.slot);
  }
  contracts[name] = {
    source: file,
    runtime: "0x" + runtime.object,
    creation: "0x" + compiled.evm.bytecode.object,
    selectors: compiled.evm.methodIdentifiers,
    storage,
  };
}

const artifact = {
  solc: solc.version(),
  settings: { evmVersion: SETTINGS.evmVersion, optimizer: SETTINGS.optimizer, metadata: SETTINGS.metadata },
  sources: Object.fromEntries(
    Object.entries(files).map(([file, bytes]) => [
      file,
      crypto.createHash("sha256").update(bytes).digest("hex"),
    ]),
  ),
  contracts,
};
fs.writeFileSync(OUTPUT, JSON.stringify(artifact, null, 2) + "\n");
console.log(`wrote ${path.relative(process.cwd(), OUTPUT)} (solc ${artifact.solc})`);
