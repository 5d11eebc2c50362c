// A web developer's JavaScript tools against a treatykg build: N3.js, jsonld.js and Comunica.
//
// Run by tests/js/test_javascript.py with the Node of this npm project (node_modules/.bin/node,
// Node 22: Comunica 5 needs it). Each command prints one JSON document on stdout and leaves
// every judgement to the Python side, which compares the answers with the embedded store's as
// RDF terms and graphs. Nothing here touches the network except the /sparql URL it is given:
// jsonld.js gets a document loader that serves the local context and refuses anything else.
//
//   node client.mjs n3 OUTDIR FILE...               parse each file strictly, write it as N-Triples
//   node client.mjs jsonld DATA CONTEXT URL OUTDIR  expand, to RDF, compact and frame DATA
//   node client.mjs comunica SOURCE QUERY...        run each query; SOURCE: a .ttl file, a /sparql
//                                                   URL, or discover:URL (found by its description)

import { readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

import jsonld from "jsonld";
import * as N3 from "n3";
import { QueryEngine } from "@comunica/query-sparql";

const XSD_STRING = "http://www.w3.org/2001/XMLSchema#string";
const RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";

function parseStrictly(path) {
  // A format given to N3.Parser makes it strict: Turtle or N-Triples only, no N3 extensions.
  const format = path.endsWith(".nt") ? "application/n-triples" : "text/turtle";
  return new N3.Parser({ format, baseIRI: "file://" + path }).parse(readFileSync(path, "utf8"));
}

async function n3Command(outdir, files) {
  const counts = {};
  for (const path of files) {
    const quads = parseStrictly(path);
    const writer = new N3.Writer({ format: "application/n-triples" });
    const text = await new Promise((resolve, reject) => {
      writer.addQuads(quads);
      writer.end((error, result) => (error ? reject(error) : resolve(result)));
    });
    writeFileSync(join(outdir, basename(path) + ".nt"), text);
    counts[basename(path)] = quads.length;
  }
  return counts;
}

function localLoader(contextUrl, contextPath) {
  // Only the published context, from the build: a test never fetches a context, and a data
  // file that needs another one fails here instead of reaching the internet.
  const document = JSON.parse(readFileSync(contextPath, "utf8"));
  return async (url) => {
    if (url === contextUrl) {
      return { contextUrl: null, documentUrl: url, document };
    }
    throw new Error(`refused to load ${url}: only ${contextUrl} is served locally`);
  };
}

function countKeys(value, counts) {
  if (Array.isArray(value)) {
    value.forEach((item) => countKeys(item, counts));
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      counts[key] = (counts[key] ?? 0) + 1;
      countKeys(item, counts);
    }
  }
  return counts;
}

function asArray(value) {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

async function jsonldCommand(dataPath, contextPath, contextUrl, outdir) {
  const documentLoader = localLoader(contextUrl, contextPath);
  const options = { documentLoader, safe: true };
  const data = JSON.parse(readFileSync(dataPath, "utf8"));
  const expanded = await jsonld.expand(data, options);
  const nquads = await jsonld.toRDF(expanded, { ...options, format: "application/n-quads" });
  writeFileSync(join(outdir, "expanded.nq"), nquads);
  // As the README says: compact with the published context (by its URL, as a page would).
  const compacted = await jsonld.compact(expanded, contextUrl, options);
  const keys = countKeys(compacted["@graph"] ?? compacted, {});
  // A frame by type, the treaty classes listed (framing does no inference), with its articles.
  const frame = {
    "@context": contextUrl,
    type: ["tkg:Treaty", "tkg:BilateralTreaty"],
    articles: {},
  };
  const framed = await jsonld.frame(compacted, frame, options);
  const treaties = asArray(framed["@graph"] ?? (framed.id ? framed : undefined)).map((treaty) => ({
    id: treaty.id,
    type: asArray(treaty.type),
    articles: asArray(treaty.articles)
      .filter((article) => asArray(article.type).includes("tkg:Article"))
      .map((article) => ({ id: article.id, number: article.number })),
  }));
  return {
    expandedNodes: expanded.length,
    compactedNodes: asArray(compacted["@graph"]).length,
    typeKeys: keys.type ?? 0,
    rdfTypeKeys: keys["rdf:type"] ?? 0,
    treaties,
  };
}

function jsonTerm(term) {
  // A term in SPARQL JSON results form, as tests/sparql_rows.py's json_term writes it.
  if (term.termType === "NamedNode") return { type: "uri", value: term.value };
  if (term.termType === "BlankNode") return { type: "bnode", value: "_" };
  const found = { type: "literal", value: term.value };
  if (term.language) found["xml:lang"] = term.language;
  else if (term.datatype.value !== XSD_STRING && term.datatype.value !== RDF_LANG_STRING) {
    found.datatype = term.datatype.value;
  }
  return found;
}

async function comunicaCommand(source, queries) {
  const engine = new QueryEngine();
  let sources;
  if (source.startsWith("discover:")) {
    // Untyped, as a developer given only an address writes it: Comunica reads the URL, finds
    // the SPARQL Service Description and sends its queries to the sd:endpoint it names.
    sources = [source.slice("discover:".length)];
  } else if (/^https?:/.test(source)) {
    // Typed explicitly: Comunica does not guess, nor follow the Service Description.
    sources = [{ type: "sparql", value: source }];
  } else {
    const store = new N3.Store(parseStrictly(source));
    sources = [store];
  }
  const answers = {};
  for (const path of queries) {
    try {
      const stream = await engine.queryBindings(readFileSync(path, "utf8"), { sources });
      const rows = [];
      for (const bindings of await stream.toArray()) {
        const row = {};
        for (const [variable, term] of bindings) row[variable.value] = jsonTerm(term);
        rows.push(row);
      }
      answers[path] = { rows };
    } catch (error) {
      answers[path] = { error: String(error?.message ?? error).split("\n")[0] };
    }
  }
  return answers;
}

const [command, ...args] = process.argv.slice(2);
const commands = {
  n3: () => n3Command(args[0], args.slice(1)),
  jsonld: () => jsonldCommand(args[0], args[1], args[2], args[3]),
  comunica: () => comunicaCommand(args[0], args.slice(1)),
};
if (!(command in commands)) {
  process.stderr.write(`usage: node client.mjs n3|jsonld|comunica ...\n`);
  process.exit(2);
}
try {
  const answer = JSON.stringify(await commands[command]()) + "\n";
  // Exit once stdout is flushed: Comunica's HTTP agent would keep the process alive.
  process.stdout.write(answer, () => process.exit(0));
} catch (error) {
  process.stderr.write(`${command}: ${error?.message ?? error}\n`);
  process.exit(1);
}
