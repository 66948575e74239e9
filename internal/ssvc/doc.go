// Package ssvc turns CERT/CC Stakeholder-Specific Vulnerability Categorization (SSVC)
// decision tables into decisions.
//
// The tables are data, not code: data/ holds the CERT/CC JSON files unchanged (decision
// tables in SSVC schema 2.0.0, the standalone decision point files, and the SSVC licences),
// embedded into the binary. sirt uses two of them:
//
//   - Coordinator Triage (CoordinatorTriage): seven decision points about a report
//     (Report Public, Supplier Contacted, Report Credibility, Supplier Cardinality, Supplier
//     Engagement, Utility, Public Safety Impact) lead to Decline, Track or Coordinate.
//   - Coordinator Publish (CoordinatorPublish): Supplier Involvement, Exploitation and Public
//     Value Added lead to Publish or Do Not Publish.
//
// A responder's input arrives from forms and API clients in many spellings, so Decide
// accepts a decision point by its key ("RP"), id ("ssvc:RP:1.0.0"), name ("Report Public")
// or snake_case name ("report_public"), and a value by its key ("N"), name ("No") or
// snake_case name, all case-insensitively. Problems come back as *Error values that name
// the field and list the allowed values, so an HTTP layer can point at decision_points.SC.
//
// The public triage criteria page renders from Table.Criteria, the same data the
// responders decide with, so what the team publishes is what it does.
package ssvc
