// Package format converts sirt advisories to and from the exchange formats a
// security team publishes in, and refuses to produce a document its official
// schema would reject.
//
// The format-neutral model is [Advisory]; its field names follow OSV wherever
// OSV has one, because OSV is the format advisories are drafted and imported
// in. From it come:
//
//	ImportOSV  OSV JSON (any schema version)  → *Advisory
//	OSV        *Advisory → OSV JSON (schema_version OSVSchemaVersion)
//	CSAF       *Advisory → CSAF 2.0 csaf_security_advisory
//	VEX        *Advisory → CSAF 2.0 csaf_vex
//	CVE5       *Advisory → CVE JSON 5 record (dataType CVE_RECORD)
//
// Every input is validated against the official OSV schema before it is read,
// and every output against its official schema (embedded in the binary from
// schemas/, nothing is fetched) before it is returned: a document that does
// not validate comes back as a *ValidationError naming each JSON path
// ("$.affected[0].ranges[0].events") and the rule it breaks, never as bytes.
// The CSAF exports are also held to the profile rules of CSAF 2.0 section
// 6.1.27 that JSON Schema cannot express (a VEX document needs an impact
// statement for every product not affected, and so on). An advisory that
// lacks what a format requires (a CVE record needs a reference, a CSAF
// document an affected product) is refused with a *MissingError saying what
// to add.
//
// ScoreCVSS computes CVSS v2.0, v3.0, v3.1 and v4.0 base scores with
// github.com/pandatix/go-cvss; the exports use it so that scores are always
// consistent with their vectors.
//
// The package does no I/O and keeps no state: times that end up in documents
// ("now", the generator date) are options, so exports are reproducible.
package format
