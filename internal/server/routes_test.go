package server_test

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/oss-sirt/sirt/internal/authz"
	"github.com/oss-sirt/sirt/internal/cases"
	"github.com/oss-sirt/sirt/internal/db"
	"github.com/oss-sirt/sirt/internal/dbtest"
	"github.com/oss-sirt/sirt/internal/intake"
	"github.com/oss-sirt/sirt/internal/testapp"
)

// The authorization matrix: every route × every kind of caller, with the status each
// must get. A route that is registered but missing here fails TestRouteMatrix, so every
// new route must come with its row — that is the point: someone has to decide who may
// call it.
//
// Columns: anonymous, member, responder, pgm, admin. Requests are sent with a body that
// would succeed for an allowed caller (apiBodies), so a refusal is authorization, not
// validation. Every id is a real object (objects): a report with a file, a case with a
// file, posts, a task, a package and a vulnerability, an unpublished advisory of that
// case, a webhook; only ids of tokens, jobs and plan items do not exist. The member is a
// downstream participant of the case who has not read in: they see that the case exists
// (200) and are told to read in (403) for its content, but its advisory does not exist
// for them (404), as it does not for the programme manager (case metadata only). {id}
// of user routes is an existing member user.

type who int

const (
	anon who = iota
	member
	responder
	pgm
	admin
)

var whoNames = []string{"anonymous", "member", "responder", "pgm", "admin"}

type statuses [5]int

// apiMatrix is keyed by "METHOD /path" as in the OpenAPI document.
var apiMatrix = map[string]statuses{
	"GET /api/v1/me":                     {401, 200, 200, 200, 200},
	"GET /api/v1/tokens":                 {401, 200, 200, 200, 200},
	"POST /api/v1/tokens":                {401, 201, 201, 201, 201},
	"DELETE /api/v1/tokens/{id}":         {401, 404, 404, 404, 404},
	"GET /api/v1/users":                  {401, 403, 403, 403, 200},
	"POST /api/v1/users":                 {401, 403, 403, 403, 201},
	"PATCH /api/v1/users/{id}":           {401, 403, 403, 403, 200},
	"POST /api/v1/users/{id}/reset-link": {401, 403, 403, 403, 201},
	"POST /api/v1/invitations":           {401, 403, 403, 403, 201},
	"GET /api/v1/audit":                  {401, 403, 403, 200, 200},
	"GET /api/v1/audit/verify":           {401, 403, 403, 200, 200},
	"GET /api/v1/jobs":                   {401, 403, 403, 403, 200},
	"POST /api/v1/jobs/{id}/retry":       {401, 403, 403, 403, 404},

	// Intake and triage. {id} is a real anonymous report; members who did not file it
	// and programme managers do not learn it exists.
	"POST /api/v1/reports":                           {201, 201, 201, 201, 201},
	"GET /api/v1/reports":                            {401, 200, 200, 200, 200},
	"GET /api/v1/reports/{id}":                       {404, 404, 200, 404, 200},
	"GET /api/v1/reports/{id}/messages":              {401, 404, 200, 404, 200},
	"GET /api/v1/reports/{id}/similar":               {401, 403, 200, 403, 200},
	"POST /api/v1/reports/{id}/messages":             {401, 404, 201, 404, 201},
	"POST /api/v1/reports/{id}/triage":               {401, 404, 200, 404, 200},
	"POST /api/v1/reports/{id}/assign":               {401, 404, 200, 404, 200},
	"POST /api/v1/reports/{id}/duplicate":            {401, 404, 422, 404, 422},
	"POST /api/v1/reports/{id}/park":                 {401, 404, 200, 404, 200},
	"POST /api/v1/reports/{id}/outbox/{oid}/release": {401, 404, 404, 404, 404},
	"POST /api/v1/reports/{id}/request-missing":      {401, 404, 200, 404, 200},
	"POST /api/v1/reports/bulk-decline":              {401, 403, 200, 403, 200},
	"POST /api/v1/reports/{id}/attachments":          {401, 404, 201, 404, 201},
	"GET /api/v1/reports/{id}/attachments":           {401, 404, 200, 404, 200},
	"GET /api/v1/ssvc/coordinator-triage":            {200, 200, 200, 200, 200},

	// Advisories: staff draft and publish; {id} is an unpublished advisory of the case:
	// it does not exist for the member (not read in) nor the programme manager.
	"GET /api/v1/advisories":                      {401, 403, 200, 200, 200},
	"POST /api/v1/advisories":                     {401, 403, 201, 403, 201},
	"POST /api/v1/advisories/import":              {401, 403, 201, 403, 201},
	"GET /api/v1/advisories/{id}":                 {401, 404, 200, 404, 200},
	"PATCH /api/v1/advisories/{id}":               {401, 404, 200, 404, 200},
	"GET /api/v1/advisories/{id}/revisions":       {401, 404, 200, 404, 200},
	"GET /api/v1/advisories/{id}/osv":             {401, 404, 200, 404, 200},
	"GET /api/v1/advisories/{id}/csaf":            {401, 404, 422, 404, 422},
	"GET /api/v1/advisories/{id}/vex":             {401, 404, 422, 404, 422},
	"GET /api/v1/advisories/{id}/cve":             {401, 404, 422, 404, 422},
	"POST /api/v1/advisories/{id}/submit":         {401, 404, 200, 404, 200},
	"POST /api/v1/advisories/{id}/approve":        {401, 404, 200, 404, 200},
	"POST /api/v1/advisories/{id}/schedule":       {401, 404, 409, 404, 409},
	"POST /api/v1/advisories/{id}/publish":        {401, 404, 409, 404, 409},
	"POST /api/v1/advisories/{id}/withdraw":       {401, 404, 409, 404, 409},
	"POST /api/v1/advisories/{id}/cve-id":         {401, 404, 200, 404, 200},
	"POST /api/v1/advisories/{id}/cve-id/reserve": {401, 404, 409, 404, 409},
	"GET /api/v1/settings/publishing":             {401, 403, 403, 403, 200},
	"PUT /api/v1/settings/publishing":             {401, 403, 403, 403, 200},

	// The plan: the team reads it and logs hours; the programme manager and admins edit it.
	"GET /api/v1/plan":                   {401, 403, 200, 200, 200},
	"GET /api/v1/plan/export":            {401, 403, 200, 200, 200},
	"GET /api/v1/plan/hours":             {401, 403, 200, 200, 200},
	"POST /api/v1/plan/import":           {401, 403, 403, 201, 201},
	"PATCH /api/v1/plan/milestones/{id}": {401, 403, 404, 404, 404},
	"PATCH /api/v1/plan/tasks/{id}":      {401, 403, 404, 404, 404},
	"POST /api/v1/plan/hours":            {401, 403, 201, 201, 201},
	// Cases ({id} is the case the member is on, not read in; internal/cases/matrix_test.go has every case role).
	"GET /api/v1/cases":                                     {401, 200, 200, 200, 200},
	"GET /api/v1/cases/{id}":                                {401, 200, 200, 200, 200},
	"GET /api/v1/cases/{id}/deliveries":                     {401, 403, 200, 404, 200},
	"GET /api/v1/cases/{id}/export/{format}":                {401, 403, 422, 404, 422},
	"GET /api/v1/cases/{id}/posts":                          {401, 403, 200, 404, 200},
	"GET /api/v1/cases/{id}/timeline":                       {401, 403, 200, 404, 200},
	"GET /api/v1/webhooks":                                  {401, 403, 403, 403, 200},
	"PATCH /api/v1/cases/{id}":                              {401, 403, 200, 404, 200},
	"PATCH /api/v1/cases/{id}/participants/{participant}":   {401, 403, 200, 404, 200},
	"PATCH /api/v1/cases/{id}/tasks/{task}":                 {401, 403, 200, 404, 200},
	"POST /api/v1/cases":                                    {401, 201, 201, 403, 201},
	"POST /api/v1/cases/{id}/embargo":                       {401, 403, 200, 404, 200},
	"POST /api/v1/cases/{id}/embargo-break":                 {401, 403, 200, 404, 200},
	"POST /api/v1/cases/{id}/early-release":                 {401, 403, 200, 404, 200},
	"POST /api/v1/cases/{id}/close":                         {401, 403, 200, 404, 200},
	"POST /api/v1/cases/{id}/reopen":                        {401, 403, 409, 404, 409},
	"POST /api/v1/cases/{id}/facts":                         {401, 403, 200, 404, 200},
	"PUT /api/v1/cases/{id}/packages/{package}":             {401, 403, 200, 404, 200},
	"DELETE /api/v1/cases/{id}/packages/{package}":          {401, 403, 204, 404, 204},
	"DELETE /api/v1/cases/{id}/participants/{participant}":  {401, 403, 204, 404, 204},
	"POST /api/v1/cases/{id}/packages":                      {401, 403, 201, 404, 201},
	"POST /api/v1/cases/{id}/participants":                  {401, 403, 201, 404, 201},
	"POST /api/v1/cases/{id}/posts":                         {401, 403, 201, 404, 201},
	"POST /api/v1/cases/{id}/read-in":                       {401, 200, 409, 404, 409},
	"POST /api/v1/cases/{id}/tasks":                         {401, 403, 201, 404, 201},
	"POST /api/v1/cases/{id}/vulnerabilities":               {401, 403, 201, 404, 201},
	"POST /api/v1/cases/{id}/vulnerabilities/{vuln}/status": {401, 403, 200, 404, 200},
	"POST /api/v1/webhooks":                                 {401, 403, 403, 403, 201},
	"POST /api/v1/webhooks/{id}/disable":                    {401, 403, 403, 403, 204},
	"DELETE /api/v1/webhooks/{id}":                          {401, 403, 403, 403, 204},
	// Engagements and outreach (internal/engagements): staff read, the programme manager and admins plan, the buddy works;
	// members never learn the area exists (404). {id} does not exist (internal/engagements tests cover real ones).
	"GET /api/v1/projects":                       {401, 404, 200, 200, 200},
	"POST /api/v1/projects":                      {401, 404, 403, 201, 201},
	"POST /api/v1/projects/import":               {401, 404, 403, 201, 201},
	"GET /api/v1/projects/{id}":                  {401, 404, 404, 404, 404},
	"GET /api/v1/engagements":                    {401, 404, 200, 200, 200},
	"POST /api/v1/engagements":                   {401, 404, 403, 422, 422},
	"GET /api/v1/engagements/{id}":               {401, 404, 404, 404, 404},
	"POST /api/v1/engagements/{id}/stage":        {401, 404, 404, 404, 404},
	"GET /api/v1/engagements/{id}/schedule":      {401, 404, 404, 404, 404},
	"POST /api/v1/engagements/{id}/spot-checks":  {401, 404, 404, 404, 404},
	"GET /api/v1/engagements/{id}/contacts":      {401, 404, 404, 404, 404},
	"POST /api/v1/engagements/{id}/contacts":     {401, 404, 404, 404, 404},
	"POST /api/v1/engagements/{id}/hours":        {401, 404, 404, 404, 404},
	"GET /api/v1/engagements/{id}/retrospective": {401, 404, 404, 404, 404},
	// Metrics: staff read the SLIs, the programme manager and admins set SLO targets ({key} is not an SLI: 422).
	"GET /api/v1/metrics/slis":                   {401, 404, 200, 200, 200},
	"PUT /api/v1/metrics/slos/{key}":             {401, 404, 404, 422, 422},
	"PUT /api/v1/engagements/{id}/retrospective": {401, 404, 404, 404, 404},
	"POST /api/v1/engagements/{id}/welcome":      {401, 404, 404, 404, 404},

	// Surveys (internal/survey): staff read, the programme manager and admins build and invite; members never
	// learn the area exists (404). {id} does not exist (internal/survey tests cover real ones).
	"GET /api/v1/surveys":                    {401, 404, 200, 200, 200},
	"POST /api/v1/surveys":                   {401, 404, 403, 201, 201},
	"GET /api/v1/surveys/{id}":               {401, 404, 404, 404, 404},
	"PUT /api/v1/surveys/{id}":               {401, 404, 403, 404, 404},
	"POST /api/v1/surveys/{id}/recipients":   {401, 404, 403, 404, 404},
	"GET /api/v1/surveys/{id}/results":       {401, 404, 404, 404, 404},
	"GET /api/v1/surveys/{id}/responses.csv": {401, 404, 404, 404, 404},
	"GET /api/v1/surveys/{id}/report.md":     {401, 404, 404, 404, 404},
	// The dependency graph (internal/deps): staff read and import; members never learn it exists.
	"GET /api/v1/packages/{purl}/dependents": {401, 404, 200, 200, 200},
	"POST /api/v1/dependencies/edges":        {401, 404, 201, 201, 201},
	"POST /api/v1/sboms":                     {401, 404, 201, 201, 201},
	"GET /api/v1/retrospectives/{year}":      {401, 404, 422, 422, 422}, // {year} is not a year
	"GET /api/v1/outreach/channels":          {401, 404, 200, 200, 200},
	"POST /api/v1/outreach/channels":         {401, 404, 403, 201, 201},
	"GET /api/v1/outreach/campaigns":         {401, 404, 200, 200, 200},
	"POST /api/v1/outreach/campaigns":        {401, 404, 403, 201, 201},
	"PATCH /api/v1/outreach/campaigns/{id}":  {401, 404, 403, 404, 404},
	// The directory (internal/directory; docs/directory.md): staff read and edit organisations, members get 404;
	// case notifications and adding organisations are for the case's coordinators. Org, notification and list ids
	// do not exist here (internal/directory tests cover real ones): the notification names organisation 999999 (422).
	"GET /api/v1/orgs":                                         {401, 404, 200, 200, 200},
	"POST /api/v1/orgs":                                        {401, 404, 201, 201, 201},
	"GET /api/v1/orgs/export":                                  {401, 404, 200, 200, 200},
	"POST /api/v1/orgs/import":                                 {401, 404, 201, 201, 201},
	"GET /api/v1/orgs/{id}":                                    {401, 404, 404, 404, 404},
	"PATCH /api/v1/orgs/{id}":                                  {401, 404, 404, 404, 404},
	"POST /api/v1/orgs/{id}/merge":                             {401, 404, 404, 404, 404},
	"POST /api/v1/cases/{id}/notifications":                    {401, 404, 422, 404, 422},
	"GET /api/v1/cases/{id}/notifications":                     {401, 404, 200, 404, 200},
	"POST /api/v1/cases/{id}/orgs":                             {401, 404, 422, 404, 422},
	"GET /api/v1/cases/{id}/suggested-orgs":                    {401, 404, 200, 404, 200},
	"GET /api/v1/notifications/{id}":                           {401, 404, 404, 404, 404},
	"POST /api/v1/notifications/{id}/retry":                    {401, 404, 404, 404, 404},
	"GET /api/v1/siren/lists":                                  {200, 200, 200, 200, 200},
	"POST /api/v1/siren/lists":                                 {401, 404, 201, 201, 201},
	"POST /api/v1/siren/lists/{id}/apply":                      {401, 404, 404, 404, 404},
	"GET /api/v1/siren/lists/{id}/subscribers":                 {401, 404, 404, 404, 404},
	"POST /api/v1/siren/lists/{id}/subscribers/{sub}/decision": {401, 404, 404, 404, 404},
	"GET /api/v1/siren/lists/{id}/archive":                     {404, 404, 404, 404, 404},
	// One vulnerability's export (issue 11).
	"GET /api/v1/cases/{id}/vulnerabilities/{vuln}/export/{format}": {401, 403, 422, 404, 422},
	// Post-mortems (internal/postmortem): staff only, members never learn the area exists (404); {id} does not exist
	// (internal/postmortem tests cover real ones); "POST /api/v1/postmortems" names a case that does not exist (422).
	"GET /api/v1/postmortems":                         {401, 404, 200, 200, 200},
	"POST /api/v1/postmortems":                        {401, 404, 422, 422, 422},
	"GET /api/v1/postmortems/lessons":                 {401, 404, 200, 200, 200},
	"GET /api/v1/postmortems/{id}":                    {401, 404, 404, 404, 404},
	"PATCH /api/v1/postmortems/{id}":                  {401, 404, 404, 404, 404},
	"POST /api/v1/postmortems/{id}/annotations":       {401, 404, 404, 404, 404},
	"POST /api/v1/postmortems/{id}/actions":           {401, 404, 404, 404, 404},
	"PATCH /api/v1/postmortems/{id}/actions/{action}": {401, 404, 404, 404, 404},
	"POST /api/v1/postmortems/{id}/submit":            {401, 404, 404, 404, 404},
	"POST /api/v1/postmortems/{id}/return":            {401, 404, 404, 404, 404},
	"POST /api/v1/postmortems/{id}/approve":           {401, 404, 404, 404, 404},
	"GET /api/v1/postmortems/{id}/summary":            {401, 404, 404, 404, 404},

	// People and knowledge (internal/people, internal/knowledge; docs/people.md). Anyone
	// may apply; candidates are for the programme manager and admins only (404 for the
	// rest); on call is for staff; documents are the team's (role descriptions public).
	// Creating a schedule is 422 for pgm/admin here only because the body's member does
	// not exist: authorization passed (internal/people tests create real ones).
	"POST /api/v1/candidates":                      {201, 201, 201, 201, 201},
	"GET /api/v1/candidates":                       {401, 403, 403, 200, 200},
	"GET /api/v1/candidates/{id}":                  {401, 404, 404, 404, 404},
	"POST /api/v1/candidates/{id}/stage":           {401, 404, 404, 404, 404},
	"POST /api/v1/candidates/{id}/notes":           {401, 404, 404, 404, 404},
	"GET /api/v1/agreements":                       {200, 200, 200, 200, 200},
	"POST /api/v1/agreements":                      {401, 403, 403, 201, 201},
	"GET /api/v1/cohorts":                          {401, 403, 200, 200, 200},
	"POST /api/v1/cohorts":                         {401, 403, 403, 201, 201},
	"GET /api/v1/oncall/schedules":                 {401, 403, 200, 200, 200},
	"POST /api/v1/oncall/schedules":                {401, 403, 403, 422, 422},
	"GET /api/v1/oncall/schedules/{id}":            {401, 404, 404, 404, 404},
	"POST /api/v1/oncall/schedules/{id}/overrides": {401, 403, 403, 404, 404},
	"GET /api/v1/oncall/now":                       {401, 404, 404, 404, 404},
	"GET /api/v1/docs":                             {200, 200, 200, 200, 200},
	"POST /api/v1/docs":                            {401, 403, 201, 201, 201},
	"GET /api/v1/docs/{id}":                        {404, 404, 404, 404, 404},
	"PUT /api/v1/docs/{id}":                        {401, 404, 404, 404, 404},
	"GET /api/v1/docs/{id}/versions":               {404, 404, 404, 404, 404},
	"GET /api/v1/docs/{id}/diff":                   {404, 404, 404, 404, 404},
	"POST /api/v1/docs/{id}/feedback":              {401, 404, 404, 404, 404},
	"GET /api/v1/docs/{id}/feedback":               {401, 404, 404, 404, 404},
	"PATCH /api/v1/docs/{id}/feedback/{feedback}":  {401, 403, 403, 404, 404},
	"POST /api/v1/cases/{id}/playbooks":            {401, 403, 422, 404, 422},
	"GET /api/v1/cases/{id}/playbooks":             {401, 403, 200, 404, 200},
	"GET /api/v1/cases/{id}/tasks":                 {401, 403, 200, 404, 200},
	"GET /api/v1/roster":                           {401, 403, 200, 200, 200},
	"PUT /api/v1/roster/{id}":                      {401, 403, 403, 404, 404},
	"GET /api/v1/courses":                          {401, 403, 200, 200, 200},
	"POST /api/v1/courses":                         {401, 403, 403, 201, 201},
	"POST /api/v1/courses/{id}/completions":        {401, 403, 404, 404, 404},
	"GET /api/v1/training/readiness":               {401, 403, 200, 200, 200},
	// The yearly cycle: openings (public list), a member's agreements, renewals.
	"GET /api/v1/openings":                        {200, 200, 200, 200, 200},
	"POST /api/v1/openings":                       {401, 403, 403, 201, 201},
	"POST /api/v1/openings/{id}/close":            {401, 403, 403, 404, 404},
	"GET /api/v1/me/agreements":                   {401, 403, 200, 200, 200},
	"POST /api/v1/me/agreements":                  {401, 403, 422, 422, 422},
	"GET /api/v1/people/renewals":                 {401, 403, 403, 200, 200},
	"GET /api/v1/training/onboarding":             {401, 403, 200, 200, 200},
	"POST /api/v1/training/onboarding/{id}/ticks": {401, 403, 404, 404, 404},
}

// apiBodies are valid request bodies per "METHOD /path"; %d is replaced by a counter so
// each call creates something new.
var apiBodies = map[string]string{
	"POST /api/v1/tokens":      `{"name": "matrix %d"}`,
	"POST /api/v1/users":       `{"email": "new-%d@example.org", "role": "member", "password": "a-long-passphrase-%d"}`,
	"PATCH /api/v1/users/{id}": `{"name": "Renamed %d"}`,
	"POST /api/v1/invitations": `{"email": "invitee-%d@example.org", "role": "responder"}`,

	"POST /api/v1/reports":                  `{"summary": "matrix report %d"}`,
	"POST /api/v1/reports/{id}/messages":    `{"body": "hello %d"}`,
	"POST /api/v1/reports/{id}/triage":      `{"decision_points": {"RP": "N", "SCON": "Y", "RC": "C", "SC": "M", "SE": "A", "U": "E", "PSI": "S"}}`,
	"POST /api/v1/reports/{id}/assign":      `{"assignee_id": 0}`,
	"POST /api/v1/reports/{id}/attachments": multipartBody,
	"POST /api/v1/reports/{id}/duplicate":   `{"duplicate_of": "OSS-SIRT-1999-0001"}`,
	"POST /api/v1/reports/bulk-decline":     `{"ids": ["OSS-SIRT-1999-%d"], "rationale": "not a vulnerability"}`,

	"POST /api/v1/advisories":               `{"summary": "matrix advisory %d", "details": "Details."}`,
	"POST /api/v1/advisories/import":        `{"schema_version": "1.7.5", "id": "x_MATRIX-%d", "modified": "2026-01-01T00:00:00Z", "summary": "matrix import"}`,
	"PATCH /api/v1/advisories/{id}":         `{"summary": "changed %d"}`,
	"POST /api/v1/advisories/{id}/schedule": `{"public_date": "2030-01-07T15:00:00Z"}`,
	"POST /api/v1/advisories/{id}/withdraw": `{"reason": "matrix"}`,
	"POST /api/v1/advisories/{id}/cve-id":   `{"cve_id": "CVE-2026-1000%d"}`,
	"PUT /api/v1/settings/publishing":       `{"cna_org_id": "b3476cb9-2e3d-41a6-98d0-0f47421a65b6", "cna_short_name": "OSS-SIRT"}`,
	"POST /api/v1/plan/import":              `{"markdown": "# 9.%d X\n\n- **M1**: y\n"}`,
	"PATCH /api/v1/plan/milestones/{id}":    `{"status": "done"}`,
	"PATCH /api/v1/plan/tasks/{id}":         `{"status": "done"}`,
	"POST /api/v1/plan/hours":               `{"ref_type": "case", "ref_id": "C-%d", "hours": 1}`,
	// Cases (internal/cases/matrix_test.go has the full matrix on a real case, with participants).
	"POST /api/v1/cases":                                    `{"title": "Matrix case %d"}`,
	"PATCH /api/v1/cases/{id}":                              `{"phase": "patch"}`,
	"POST /api/v1/cases/{id}/participants":                  `{"email": "party-%d@example.org", "role": "observer"}`,
	"PATCH /api/v1/cases/{id}/participants/{participant}":   `{"tracking_id": "T-%d"}`,
	"POST /api/v1/cases/{id}/read-in":                       `{}`,
	"POST /api/v1/cases/{id}/embargo":                       `{"action": "propose", "public_date": "2026-04-14T15:00:00+02:00"}`,
	"POST /api/v1/cases/{id}/embargo-break":                 `{"reason": "leaked %d"}`,
	"POST /api/v1/cases/{id}/early-release":                 `{"reason": "fix shipped %d"}`,
	"POST /api/v1/cases/{id}/close":                         `{"reason": "done %d"}`,
	"POST /api/v1/cases/{id}/reopen":                        `{"reason": "more %d"}`,
	"POST /api/v1/cases/{id}/facts":                         `{"vendor_aware": true}`,
	"POST /api/v1/cases/{id}/vulnerabilities":               `{"title": "Flaw %d"}`,
	"POST /api/v1/cases/{id}/vulnerabilities/{vuln}/status": `{"status": "affected", "participant_id": {participant}}`,
	"PUT /api/v1/cases/{id}/packages/{package}":             `{"ecosystem": "Go", "name": "example.org/wsock/v%d"}`,
	"POST /api/v1/cases/{id}/packages":                      `{"ecosystem": "Go", "name": "example.org/x"}`,
	"POST /api/v1/cases/{id}/posts":                         `{"body": "hello %d"}`,
	"POST /api/v1/cases/{id}/tasks":                         `{"title": "Task %d"}`,
	"PATCH /api/v1/cases/{id}/tasks/{task}":                 `{"done": true}`,
	"POST /api/v1/webhooks":                                 `{"organisation": "Org %d", "url": "https://hooks.example.org/%d"}`,
	// Engagements and outreach ("POST /api/v1/engagements" names a project that does not exist: 422 for those who may create).
	"POST /api/v1/projects":                      `{"name": "matrix-project-%d", "repo_url": "https://git.example.org/p%d", "ecosystem": "npm"}`,
	"POST /api/v1/projects/import":               "name,repo_url,ecosystem\nmatrix-csv-%d,https://git.example.org/c%d,Go\n",
	"POST /api/v1/engagements":                   `{"project_id": 999999, "buddy": "buddy-%d@example.org", "origin": "outreach"}`,
	"POST /api/v1/engagements/{id}/stage":        `{"to": "active"}`,
	"POST /api/v1/engagements/{id}/spot-checks":  `{"date": "2020-01-06", "hours": 1, "notes": "check %d"}`,
	"POST /api/v1/engagements/{id}/contacts":     `{"outcome": "no_answer"}`,
	"POST /api/v1/engagements/{id}/hours":        `{"hours": 2}`,
	"PUT /api/v1/engagements/{id}/retrospective": `{"markdown": "# Retro %d"}`,
	"PUT /api/v1/metrics/slos/{key}":             `{"target": 3, "objective": 0.9}`,
	"POST /api/v1/engagements/{id}/welcome":      `{"to": "maintainer-%d@example.org"}`,
	"POST /api/v1/surveys":                       `{"title": "Survey %d", "audience": "maintainers", "anonymous": true, "statements": [{"key": "silos", "text": "Silos"}], "questions": [{"key": "q1", "kind": "likert", "text": "Q %d", "statement": "silos"}]}`,
	"PUT /api/v1/surveys/{id}":                   `{"title": "Survey %d", "audience": "maintainers", "anonymous": true, "questions": [{"key": "q1", "kind": "text", "text": "Q %d"}]}`,
	"POST /api/v1/surveys/{id}/recipients":       `{"emails": ["recipient-%d@example.org"]}`,
	"POST /api/v1/outreach/channels":             `{"name": "Channel %d", "kind": "podcast"}`,
	"POST /api/v1/outreach/campaigns":            `{"name": "Campaign %d", "starts_on": "2026-03-01"}`,
	"PATCH /api/v1/outreach/campaigns/{id}":      `{"contacts_reached": %d}`,
	// Post-mortems.
	"POST /api/v1/postmortems":                                 `{"case_id": "NO-SUCH-CASE-%d"}`,
	"PATCH /api/v1/postmortems/{id}":                           `{"summary": "Summary %d"}`,
	"POST /api/v1/postmortems/{id}/annotations":                `{"event_seq": 1, "body": "note %d"}`,
	"POST /api/v1/postmortems/{id}/actions":                    `{"title": "Action %d", "owner": "nobody@example.org", "due": "2027-01-15", "kind": "prevent"}`,
	"PATCH /api/v1/postmortems/{id}/actions/{action}":          `{"status": "done"}`,
	"POST /api/v1/orgs":                                        `{"name": "Matrix org %d", "kind": "vendor", "contacts": [{"email": "psirt%d@vendor.example.com"}], "packages": ["pkg:npm/matrix-%d"]}`,
	"POST /api/v1/orgs/import":                                 "name,kind,emails,packages\nMatrix csv %d,distro,sec%d@distro.example.org,pkg:deb/debian/m%d\n",
	"PATCH /api/v1/orgs/{id}":                                  `{"notes": "changed %d"}`,
	"POST /api/v1/orgs/{id}/merge":                             `{"from": 1}`,
	"POST /api/v1/cases/{id}/notifications":                    `{"to": {"orgs": [999999]}, "subject": "Notice %d", "body": "Details."}`,
	"POST /api/v1/cases/{id}/orgs":                             `{"orgs": [999999]}`,
	"POST /api/v1/siren/lists":                                 `{"name": "matrix list %d"}`,
	"POST /api/v1/siren/lists/{id}/apply":                      `{"organisation": "Distro %d"}`,
	"POST /api/v1/siren/lists/{id}/subscribers/{sub}/decision": `{"decision": "vetted"}`,
	// The dependency graph.
	"POST /api/v1/dependencies/edges": "dependent,dependency,version_constraint\npkg:npm/matrix-%d,pkg:npm/left-pad,^1.3.0\n",
	"POST /api/v1/sboms":              `{"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [{"name": "m", "purl": "pkg:npm/matrix-sbom-%d@1.0.0"}]}`,

	// People and knowledge.
	"POST /api/v1/candidates":                      `{"name": "Applicant %d", "email": "applicant-%d@example.net", "role": "responder"}`,
	"POST /api/v1/candidates/{id}/stage":           `{"to": "screened"}`,
	"POST /api/v1/candidates/{id}/notes":           `{"kind": "interview", "body": "Went well %d"}`,
	"POST /api/v1/agreements":                      `{"kind": "ethics", "body": "Be kind %d"}`,
	"POST /api/v1/cohorts":                         `{"name": "Cohort %d", "starts_on": "2026-09-01"}`,
	"POST /api/v1/oncall/schedules":                `{"name": "Duty %d", "time_zone": "UTC", "handoff": "weekly", "start": "2026-03-02", "members": ["nobody-%d@example.org"]}`,
	"POST /api/v1/oncall/schedules/{id}/overrides": `{"email": "nobody@example.org", "start": "2026-03-02T00:00:00Z", "end": "2026-03-03T00:00:00Z"}`,
	"POST /api/v1/docs":                            `{"title": "Doc %d", "kind": "playbook", "body": "- [ ] step %d"}`,
	"PUT /api/v1/docs/{id}":                        `{"title": "Doc %d", "kind": "playbook", "body": "- [ ] step"}`,
	"POST /api/v1/docs/{id}/feedback":              `{"body": "unclear %d"}`,
	"PATCH /api/v1/docs/{id}/feedback/{feedback}":  `{"status": "done"}`,
	"POST /api/v1/cases/{id}/playbooks":            `{"doc_id": 999999}`,
	"PUT /api/v1/roster/{id}":                      `{"time_zone": "UTC", "status": "active"}`,
	"POST /api/v1/courses":                         `{"title": "Course %d", "kind": "internal", "hours": 1}`,
	"POST /api/v1/courses/{id}/completions":        `{"completed_on": "2026-01-01"}`,
	"POST /api/v1/openings":                        `{"role": "responder", "title": "Responder %d"}`,
	"POST /api/v1/me/agreements":                   `{"kinds": ["code_of_conduct"]}`,
	"POST /api/v1/training/onboarding/{id}/ticks":  `{"item": "Read the policy", "done": true}`,
}

// multipartBody is a file upload (boundary "matrix") for routes that take one.
const multipartBody = "--matrix\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--matrix--\r\n"

// htmlMatrix is keyed by the ServeMux pattern. POSTs are sent as form submissions with
// the session's CSRF token and the fields in htmlForms.
var htmlMatrix = map[string]statuses{
	"GET /{$}":                          {200, 200, 200, 200, 200},
	"GET /static/":                      {200, 200, 200, 200, 200},
	"GET /healthz":                      {200, 200, 200, 200, 200},
	"GET /readyz":                       {200, 200, 200, 200, 200},
	"GET /metrics":                      {200, 200, 200, 200, 200},
	"/api/":                             {404, 404, 404, 404, 404},
	"/":                                 {404, 404, 404, 404, 404},
	"GET /login":                        {200, 303, 303, 303, 303},
	"POST /login":                       {401, 401, 401, 401, 401},
	"POST /login/code":                  {401, 401, 401, 401, 401},
	"POST /logout":                      {303, 303, 303, 303, 303},
	"GET /setup/{token}":                {404, 404, 404, 404, 404},
	"POST /setup/{token}":               {404, 404, 404, 404, 404},
	"GET /invite/{token}":               {404, 404, 404, 404, 404},
	"POST /invite/{token}":              {404, 404, 404, 404, 404},
	"GET /reset/{token}":                {404, 404, 404, 404, 404},
	"POST /reset/{token}":               {404, 404, 404, 404, 404},
	"GET /dashboard":                    {303, 303, 200, 200, 200},
	"GET /my-cases":                     {303, 200, 200, 200, 200},
	"GET /account":                      {303, 200, 200, 200, 200},
	"POST /account/profile":             {303, 303, 303, 303, 303},
	"POST /account/password":            {303, 422, 422, 422, 422},
	"POST /account/totp/begin":          {303, 200, 200, 200, 200},
	"POST /account/totp/confirm":        {303, 422, 422, 422, 422},
	"POST /account/totp/disable":        {303, 422, 422, 422, 422},
	"POST /account/tokens":              {303, 200, 200, 200, 200},
	"POST /account/tokens/{id}/revoke":  {303, 404, 404, 404, 404},
	"GET /admin/users":                  {303, 403, 403, 403, 200},
	"POST /admin/users":                 {303, 403, 403, 403, 303},
	"POST /admin/users/invite":          {303, 403, 403, 403, 200},
	"POST /admin/users/{id}":            {303, 403, 403, 403, 303},
	"POST /admin/users/{id}/reset-link": {303, 403, 403, 403, 200},
	"GET /admin/jobs":                   {303, 403, 403, 403, 200},
	"POST /admin/jobs/{id}/retry":       {303, 403, 403, 403, 404},
	"GET /admin/audit":                  {303, 403, 403, 200, 200},

	// The public site and intake.
	"GET /.well-known/security.txt":           {200, 200, 200, 200, 200},
	"GET /security.txt":                       {200, 200, 200, 200, 200},
	"GET /team-key.asc":                       {200, 200, 200, 200, 200},
	"GET /triage-criteria":                    {200, 200, 200, 200, 200},
	"GET /report":                             {200, 200, 200, 200, 200},
	"POST /report":                            {303, 303, 303, 303, 303},
	"GET /report/received/{token}":            {404, 404, 404, 404, 404},
	"GET /help":                               {200, 200, 200, 200, 200},
	"POST /help":                              {303, 303, 303, 303, 303},
	"GET /track/{token}":                      {200, 200, 200, 200, 200},
	"POST /track/{token}":                     {422, 422, 422, 422, 422},
	"POST /track/{token}/embargo":             {404, 404, 404, 404, 404},
	"GET /track/{token}/files/{id}":           {200, 200, 200, 200, 200},
	"GET /admin/templates":                    {303, 403, 403, 403, 200},
	"POST /admin/templates/{name}":            {303, 403, 403, 403, 303},
	"GET /admin/pages":                        {303, 403, 403, 403, 200},
	"GET /admin/publishing":                   {303, 403, 403, 403, 200},
	"POST /admin/pages/{key}":                 {303, 403, 403, 403, 303},
	"GET /reports":                            {303, 403, 200, 403, 200},
	"GET /reports/{id}":                       {303, 404, 200, 404, 200},
	"GET /reports/{id}/files/{file}":          {303, 404, 200, 404, 200},
	"POST /reports/bulk-decline":              {303, 403, 303, 403, 303},
	"POST /reports/{id}/triage":               {303, 404, 303, 404, 303},
	"POST /reports/{id}/assign":               {303, 404, 303, 404, 303},
	"POST /reports/{id}/messages":             {303, 404, 303, 404, 303},
	"POST /reports/{id}/park":                 {303, 404, 303, 404, 303},
	"POST /reports/{id}/outbox/{oid}/release": {303, 404, 404, 404, 404},
	"POST /reports/{id}/request-missing":      {303, 404, 303, 404, 303},
	"POST /reports/{id}/duplicate":            {303, 404, 422, 404, 422},

	// Published advisories (the fixture's is a draft: public routes do not know it) and the staff advisory pages.
	"GET /advisories":                              {200, 200, 200, 200, 200},
	"GET /advisories.atom":                         {200, 200, 200, 200, 200},
	"GET /advisories/{id}":                         {404, 404, 404, 404, 404},
	"GET /osv/all.zip":                             {200, 200, 200, 200, 200},
	"GET /osv/{file}":                              {404, 404, 404, 404, 404},
	"GET /.well-known/csaf/provider-metadata.json": {200, 200, 200, 200, 200},
	"GET /.well-known/csaf/white/index.txt":        {200, 200, 200, 200, 200},
	"GET /.well-known/csaf/white/changes.csv":      {200, 200, 200, 200, 200},
	"GET /.well-known/csaf/white/{year}/{file}":    {404, 404, 404, 404, 404},
	"GET /.well-known/csaf/feed-tlp-white.json":    {200, 200, 200, 200, 200},
	"GET /.well-known/csaf/white/{$}":              {200, 200, 200, 200, 200},
	"GET /.well-known/csaf/white/{year}/{$}":       {404, 404, 404, 404, 404},
	"GET /staff/advisories":                        {303, 403, 200, 200, 200},
	"POST /staff/advisories":                       {303, 403, 422, 403, 422},
	"POST /staff/advisories/import":                {303, 403, 422, 403, 422},
	"GET /staff/advisories/{id}":                   {303, 404, 200, 404, 200},
	"GET /staff/advisories/{id}/export/{format}":   {303, 404, 200, 404, 200},
	"POST /staff/advisories/{id}":                  {303, 404, 422, 404, 422},
	"POST /staff/advisories/{id}/submit":           {303, 404, 303, 404, 303},
	"POST /staff/advisories/{id}/approve":          {303, 404, 303, 404, 303},
	"POST /staff/advisories/{id}/schedule":         {303, 404, 409, 404, 409},
	"POST /staff/advisories/{id}/publish":          {303, 404, 409, 404, 409},
	"POST /staff/advisories/{id}/withdraw":         {303, 404, 409, 404, 409},
	"POST /staff/advisories/{id}/cve":              {303, 404, 303, 404, 303},
	"POST /admin/publishing":                       {303, 403, 403, 403, 303},

	// The plan tracker.
	"GET /plan":                  {303, 403, 200, 200, 200},
	"GET /plan/status":           {303, 403, 200, 200, 200},
	"GET /plan/export.md":        {303, 403, 200, 200, 200},
	"GET /plan/export.csv":       {303, 403, 200, 200, 200},
	"GET /plan/sections/{id}":    {303, 403, 404, 404, 404},
	"POST /plan/import":          {303, 403, 403, 422, 422},
	"POST /plan/milestones/{id}": {303, 403, 404, 404, 404},
	"POST /plan/tasks/{id}":      {303, 403, 404, 404, 404},
	"POST /plan/hours":           {303, 403, 303, 303, 303},
	// Case pages (see internal/cases/matrix_test.go for participants, read-in and the finder).
	"GET /cases":                                 {303, 200, 200, 200, 200},
	"GET /cases/{id}":                            {303, 200, 200, 200, 200},
	"GET /cases/{id}/export/{format}":            {303, 403, 422, 404, 422},
	"POST /cases/{id}/advisory":                  {303, 404, 303, 404, 303},
	"GET /cases/{id}/files/{file}":               {303, 403, 200, 404, 200},
	"POST /cases":                                {303, 303, 303, 403, 303},
	"POST /cases/{id}/break":                     {303, 403, 303, 404, 303},
	"POST /cases/{id}/release":                   {303, 403, 422, 404, 422},
	"POST /cases/{id}/embargo":                   {303, 403, 303, 404, 303},
	"POST /cases/{id}/facts":                     {303, 403, 303, 404, 303},
	"POST /cases/{id}/files":                     {303, 403, 422, 404, 422},
	"POST /cases/{id}/packages/{pkg}/remove":     {303, 403, 303, 404, 303},
	"POST /cases/{id}/participants/{pid}/remove": {303, 403, 303, 404, 303},
	"POST /cases/{id}/packages":                  {303, 403, 303, 404, 303},
	"POST /cases/{id}/participants":              {303, 403, 303, 404, 303},
	"POST /cases/{id}/participants/{pid}":        {303, 403, 303, 404, 303},
	"POST /cases/{id}/posts":                     {303, 403, 303, 404, 303},
	"POST /cases/{id}/read-in":                   {303, 303, 409, 404, 409},
	"POST /cases/{id}/status":                    {303, 403, 303, 404, 303},
	"POST /cases/{id}/close":                     {303, 403, 303, 404, 303},
	"POST /cases/{id}/reopen":                    {303, 403, 409, 404, 409},
	"POST /cases/{id}/tasks":                     {303, 403, 303, 404, 303},
	"POST /cases/{id}/tasks/{task}":              {303, 403, 303, 404, 303},
	"POST /cases/{id}/vulnerabilities":           {303, 403, 303, 404, 303},
	// The directory, a case's reach and SIREN lists (internal/directory): members get 404; ids do not exist here.
	"GET /directory":                             {303, 404, 200, 200, 200},
	"GET /directory/export.csv":                  {303, 404, 200, 200, 200},
	"POST /directory/orgs":                       {303, 404, 422, 422, 422},
	"POST /directory/import":                     {303, 404, 422, 422, 422},
	"GET /directory/orgs/{id}":                   {303, 404, 404, 404, 404},
	"POST /directory/orgs/{id}":                  {303, 404, 404, 404, 404},
	"POST /directory/orgs/{id}/merge":            {303, 404, 404, 404, 404},
	"GET /cases/{id}/reach":                      {303, 404, 200, 404, 200},
	"POST /cases/{id}/orgs":                      {303, 404, 422, 404, 422},
	"POST /cases/{id}/notifications":             {303, 404, 422, 404, 422},
	"GET /cases/{id}/notifications/{nid}":        {303, 404, 404, 404, 404},
	"POST /cases/{id}/notifications/{nid}/retry": {303, 404, 404, 404, 404},
	"GET /siren":                                 {200, 200, 200, 200, 200},
	"POST /siren/lists":                          {303, 404, 422, 422, 422},
	"GET /siren/lists/{id}":                      {404, 404, 404, 404, 404},
	"POST /siren/lists/{id}/apply":               {303, 404, 404, 404, 404},
	"POST /siren/lists/{id}/subscribers/{sub}":   {303, 404, 404, 404, 404},
	// Engagements, projects, outreach (members: 404) and the public printable services sheet.
	"GET /services":                                       {200, 200, 200, 200, 200},
	"GET /services.pdf":                                   {200, 200, 200, 200, 200},
	"GET /engagements":                                    {303, 404, 200, 200, 200},
	"POST /engagements":                                   {303, 404, 403, 422, 422},
	"GET /engagements/{id}":                               {303, 404, 404, 404, 404},
	"POST /engagements/{id}/stage":                        {303, 404, 404, 404, 404},
	"POST /engagements/{id}/contacts":                     {303, 404, 404, 404, 404},
	"POST /engagements/{id}/spot-checks":                  {303, 404, 404, 404, 404},
	"POST /engagements/{id}/hours":                        {303, 404, 404, 404, 404},
	"POST /engagements/{id}/welcome":                      {303, 404, 404, 404, 404},
	"GET /engagements/{id}/retrospective":                 {303, 404, 404, 404, 404},
	"POST /engagements/{id}/retrospective":                {303, 404, 404, 404, 404},
	"GET /engagements/{id}/retrospective/export/{format}": {303, 404, 404, 404, 404},
	// Post-mortems: staff only; {id} does not exist; "POST /postmortems" names a case that does not exist (422).
	"GET /postmortems":                        {303, 404, 200, 200, 200},
	"GET /postmortems/new":                    {303, 404, 200, 200, 200},
	"POST /postmortems":                       {303, 404, 422, 422, 422},
	"GET /postmortems/lessons":                {303, 404, 200, 200, 200},
	"GET /postmortems/{id}":                   {303, 404, 404, 404, 404},
	"POST /postmortems/{id}":                  {303, 404, 404, 404, 404},
	"POST /postmortems/{id}/annotations":      {303, 404, 404, 404, 404},
	"POST /postmortems/{id}/actions":          {303, 404, 404, 404, 404},
	"POST /postmortems/{id}/actions/{action}": {303, 404, 404, 404, 404},
	"POST /postmortems/{id}/review":           {303, 404, 404, 404, 404},
	"GET /postmortems/{id}/summary/{format}":  {303, 404, 404, 404, 404},
	"GET /projects":                           {303, 404, 200, 200, 200},
	"POST /projects":                          {303, 404, 403, 422, 422},
	"POST /projects/import":                   {303, 404, 403, 422, 422},
	"GET /outreach":                           {303, 404, 200, 200, 200},
	"POST /outreach/channels":                 {303, 404, 403, 422, 422},
	"POST /outreach/campaigns":                {303, 404, 403, 422, 422},
	"POST /outreach/campaigns/{id}":           {303, 404, 403, 404, 404},

	// People and knowledge: the public application form, the candidate's private
	// agreements link, the pipeline (programme manager, admins), on call and documents.
	"GET /apply":                         {200, 200, 200, 200, 200},
	"POST /apply":                        {201, 201, 201, 201, 201},
	"GET /apply/agreements/{token}":      {404, 404, 404, 404, 404},
	"POST /apply/agreements/{token}":     {404, 404, 404, 404, 404},
	"GET /people/candidates":             {303, 403, 403, 200, 200},
	"GET /people/candidates/{id}":        {303, 404, 404, 404, 404},
	"POST /people/candidates/{id}/stage": {303, 404, 404, 404, 404},
	"POST /people/candidates/{id}/notes": {303, 404, 404, 404, 404},
	"GET /oncall":                        {303, 403, 200, 200, 200},
	"GET /oncall/{file}":                 {303, 404, 404, 404, 404},
	"GET /docs":                          {303, 403, 200, 200, 200},
	"POST /docs":                         {303, 403, 303, 303, 303},
	"GET /docs/{id}":                     {303, 404, 404, 404, 404},
	"POST /docs/{id}":                    {303, 404, 404, 404, 404},
	"POST /docs/{id}/feedback":           {303, 404, 404, 404, 404},
	"POST /cases/{id}/playbooks":         {303, 403, 422, 404, 422},
	// Roster, training, agreements and openings pages (members: 403, as the roster API).
	"GET /people/roster":                    {303, 403, 200, 200, 200},
	"GET /people/roster/{id}":               {303, 403, 404, 200, 200},
	"POST /people/roster/{id}":              {303, 403, 404, 404, 404},
	"GET /training":                         {303, 403, 200, 200, 200},
	"POST /training/courses":                {303, 403, 403, 303, 303},
	"POST /training/courses/{id}/complete":  {303, 403, 404, 404, 404},
	"POST /training/onboarding/{id}":        {303, 403, 404, 404, 404},
	"GET /me/agreements":                    {303, 403, 200, 200, 200},
	"POST /me/agreements":                   {303, 403, 422, 422, 422},
	"GET /people/openings":                  {303, 403, 403, 200, 200},
	"POST /oncall/schedules":                {303, 403, 403, 422, 422},
	"POST /oncall/schedules/{id}/overrides": {303, 404, 404, 404, 404},
	"POST /people/openings":                 {303, 403, 403, 303, 303},
	"POST /people/openings/{id}/close":      {303, 403, 403, 404, 404},

	// Surveys: staff pages (members: 404) and the public form by link token (an unknown token: 404).
	"GET /surveys":                    {303, 404, 200, 200, 200},
	"GET /surveys/new":                {303, 404, 403, 200, 200},
	"POST /surveys":                   {303, 404, 403, 303, 303},
	"GET /surveys/{id}":               {303, 404, 404, 404, 404},
	"GET /surveys/{id}/edit":          {303, 404, 404, 404, 404},
	"POST /surveys/{id}":              {303, 404, 403, 404, 404},
	"POST /surveys/{id}/recipients":   {303, 404, 403, 404, 404},
	"GET /surveys/{id}/responses.csv": {303, 404, 404, 404, 404},
	"GET /surveys/{id}/report.md":     {303, 404, 404, 404, 404},
	"GET /s/{token}":                  {404, 404, 404, 404, 404},
	"POST /s/{token}":                 {404, 404, 404, 404, 404},

	// The dependency graph: staff only ("GET /deps/package" without ?purl= is a 422 naming the field).
	"GET /deps":         {303, 404, 200, 200, 200},
	"GET /deps/package": {303, 404, 422, 422, 422},
	"POST /deps/sboms":  {303, 404, 303, 303, 303},
	"POST /deps/edges":  {303, 404, 303, 303, 303},

	// Metrics: the staff dashboard and SLI drill-downs, the TAC reports (programme manager, admins: a real closed quarter,
	// stored as a snapshot on first read) and the public transparency page.
	"GET /staff/metrics":            {303, 404, 200, 200, 200},
	"GET /staff/metrics/slis/{key}": {303, 404, 200, 200, 200},
	"POST /staff/metrics/slos":      {303, 404, 404, 303, 303},
	"GET /tac/{file}":               {303, 404, 404, 200, 200},
	"GET /tac/{period}/{chart}":     {303, 404, 404, 200, 200},
	"GET /transparency":             {200, 200, 200, 200, 200},
}

// htmlForms are the fields sent with each POST.
var htmlForms = map[string]url.Values{
	"POST /people/roster/{id}":                {"time_zone": {"UTC"}, "status": {"active"}},
	"POST /training/courses":                  {"title": {"Course %d"}, "kind": {"internal"}, "hours": {"1"}},
	"POST /training/courses/{id}/complete":    {"completed_on": {"2026-01-01"}},
	"POST /training/onboarding/{id}":          {"item": {"Read the policy"}, "done": {"true"}},
	"POST /me/agreements":                     {"accept": {"code_of_conduct"}},
	"POST /people/openings":                   {"title": {"Opening %d"}, "role": {"responder"}},
	"POST /oncall/schedules":                  {"name": {"Duty %d"}, "time_zone": {"UTC"}, "handoff": {"weekly"}, "start": {"2026-03-02"}, "members": {"nobody-%d@example.org"}},
	"POST /oncall/schedules/{id}/overrides":   {"email": {"nobody@example.org"}, "start": {"2026-03-02T00:00"}, "end": {"2026-03-03T00:00"}},
	"POST /account/profile":                   {"name": {"Someone"}, "time_zone": {"UTC"}},
	"POST /account/tokens":                    {"name": {"matrix"}, "scope": {"read"}},
	"POST /admin/users":                       {"email": {"form-%d@example.org"}, "role": {"member"}, "password": {"a-long-passphrase"}},
	"POST /admin/users/invite":                {"email": {"inv-%d@example.org"}, "role": {"member"}},
	"POST /admin/users/{id}":                  {"role": {"member"}},
	"POST /account/password":                  {"current_password": {"wrong one entirely"}, "password": {"a-new-long-passphrase"}, "password2": {"a-new-long-passphrase"}},
	"POST /report":                            {"summary": {"matrix form report %d"}},
	"POST /help":                              {"summary": {"matrix help %d"}, "pathway": {"owner_needs_help"}},
	"POST /admin/pages/{key}":                 {"text": {"# Services %d"}},
	"POST /admin/templates/{name}":            {"subject": {"Received {{.TrackingID}} %d"}, "body": {"Thanks, {{.Team}}."}},
	"POST /reports/bulk-decline":              {"id": {"OSS-SIRT-1999-%d"}, "rationale": {"not a vulnerability"}},
	"POST /reports/{id}/messages":             {"body": {"hello %d"}},
	"POST /plan/hours":                        {"target": {"case:C-%d"}, "hours": {"1"}},
	"POST /reports/{id}/triage":               {"dp_RP": {"N"}, "dp_SCON": {"Y"}, "dp_RC": {"C"}, "dp_SC": {"M"}, "dp_SE": {"A"}, "dp_U": {"E"}, "dp_PSI": {"S"}},
	"POST /cases":                             {"title": {"Matrix case %d"}},
	"POST /cases/{id}/read-in":                {"accept": {"on"}},
	"POST /postmortems":                       {"case_id": {"NO-SUCH-CASE-%d"}},
	"POST /postmortems/{id}":                  {"summary": {"Summary %d"}},
	"POST /postmortems/{id}/annotations":      {"event_seq": {"1"}, "body": {"note %d"}},
	"POST /postmortems/{id}/actions":          {"title": {"Action %d"}, "owner": {"nobody@example.org"}, "due": {"2027-01-15"}, "kind": {"prevent"}},
	"POST /postmortems/{id}/actions/{action}": {"status": {"done"}},
	"POST /postmortems/{id}/review":           {"do": {"submit"}},
	"POST /admin/publishing":                  {"cna_short_name": {"OSS-SIRT"}},
	"POST /staff/advisories/{id}/cve":         {"cve_id": {"CVE-2026-2000%d"}},
	// Case forms that succeed for a coordinator (the team).
	"POST /cases/{id}/participants":    {"email": {"web-%d@example.org"}, "role": {"observer"}},
	"POST /cases/{id}/embargo":         {"action": {"propose"}, "public_date": {"2026-04-14T15:00"}, "public_date_zone": {"Europe/Berlin"}},
	"POST /cases/{id}/facts":           {"vendor_aware": {"on"}},
	"POST /cases/{id}/break":           {"reason": {"leaked %d"}},
	"POST /cases/{id}/posts":           {"body": {"hi %d"}, "thread": {"shared"}},
	"POST /cases/{id}/vulnerabilities": {"title": {"Another %d"}},
	"POST /cases/{id}/status":          {"vulnerability": {"V1"}, "status": {"affected"}, "participant_id": {"{participant}"}},
	"POST /cases/{id}/close":           {"reason": {"done %d"}},
	"POST /cases/{id}/reopen":          {"reason": {"more %d"}},
	"POST /cases/{id}/packages":        {"ecosystem": {"npm"}, "name": {"left-pad"}, "introduced": {"0"}, "fixed": {"1.3.1"}},
	"POST /cases/{id}/tasks":           {"title": {"Task %d"}},
	"POST /apply":                      {"name": {"Applicant %d"}, "email": {"form-applicant-%d@example.net"}, "role": {"responder"}},
	"POST /docs":                       {"title": {"Doc %d"}, "kind": {"runbook"}, "body": {"Steps %d"}},
	"POST /docs/{id}":                  {"title": {"Doc %d"}, "kind": {"runbook"}, "body": {"Steps"}, "version": {"1"}},
	"POST /docs/{id}/feedback":         {"body": {"unclear %d"}},
	"POST /surveys":                    {"title": {"Survey %d"}, "audience": {"maintainers"}, "q0_key": {"q1"}, "q0_kind": {"likert"}, "q0_text": {"Q %d"}},
	"POST /surveys/{id}":               {"title": {"Survey %d"}, "audience": {"maintainers"}, "q0_key": {"q1"}, "q0_kind": {"text"}, "q0_text": {"Q %d"}},
	"POST /surveys/{id}/recipients":    {"emails": {"recipient-%d@example.org"}},
	"POST /deps/sboms":                 {"sbom": {`{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"name": "w", "purl": "pkg:npm/web-sbom-%d@1.0.0"}]}`}},
	"POST /deps/edges":                 {"csv": {"dependent,dependency,version_constraint\npkg:npm/web-%d,pkg:npm/left-pad,\n"}},
	"POST /staff/metrics/slos":         {"key": {"time_to_triage"}, "target": {"10"}, "objective": {"90"}},
}

type matrixFixture struct {
	ta     *testapp.TestApp
	users  [5]testapp.User
	tokens [5]string
	target testapp.User // the {id} of user routes
	lead   testapp.User // the responder who opens the fixture's cases and writes their advisories
	shared *objects     // the objects of GET routes (reads change nothing)
	n      int
}

// objects are real objects of every kind the routes name: a report with a file (filed
// anonymously), a case with a file, a shared post, an internal note, a task, a
// vulnerability, a package and the member as a downstream participant who has not read
// in, an unpublished advisory of that case, and a webhook. Write routes get a fresh set
// per caller, so one caller's change does not decide the next one's answer.
type objects struct {
	report, track              string
	reportFile                 int64
	caseID                     string
	caseFile, task, pkg, party int64
	advisory, osvID            string
	webhook                    int64
}

func newMatrixFixture(t *testing.T, d *db.DB) *matrixFixture {
	f := &matrixFixture{ta: testapp.New(t, d)}
	f.users[member] = f.ta.User(authz.RoleMember)
	f.users[responder] = f.ta.User(authz.RoleResponder)
	f.users[pgm] = f.ta.User(authz.RolePgM)
	f.users[admin] = f.ta.User(authz.RoleAdmin)
	for w := member; w <= admin; w++ {
		f.tokens[w] = f.ta.Token(f.users[w])
	}
	f.target = f.ta.User(authz.RoleMember)
	f.lead = f.ta.User(authz.RoleResponder)
	if _, _, err := f.ta.App.EnsureTeamKey(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.shared = f.objects(t)
	return f
}

func (f *matrixFixture) objects(t *testing.T) *objects {
	t.Helper()
	ctx := context.Background()
	sys := authz.System("matrix")
	lead := f.lead.Actor()
	o := &objects{}
	f.n++
	rep, rc, err := f.ta.App.Intake.Submit(ctx, authz.Anonymous(), intake.SourceAPI, intake.Submission{Summary: fmt.Sprintf("A report nobody outside the team may see %d", f.n)})
	if err != nil {
		t.Fatal(err)
	}
	o.report, o.track = rc.ID, rc.TrackingURL[strings.LastIndex(rc.TrackingURL, "/")+1:]
	rf, err := f.ta.App.Intake.Attach(ctx, sys, rep.PublicID, []intake.Upload{{Filename: "trace.txt", Data: []byte("trace")}})
	if err != nil {
		t.Fatal(err)
	}
	o.reportFile = rf[0].ID
	cs := f.ta.App.Cases
	c, err := cs.Open(ctx, lead, cases.NewCase{Title: fmt.Sprintf("Matrix case %d", f.n), Details: "EMBARGOED-DETAILS"})
	if err != nil {
		t.Fatal(err)
	}
	o.caseID = c.PublicID
	party, err := cs.AddParticipant(ctx, lead, o.caseID, cases.NewParticipant{Email: f.users[member].Email, Role: "downstream", Organisation: "Distro"})
	if err != nil {
		t.Fatal(err)
	}
	o.party = party.ID
	if _, err := cs.AddVulnerability(ctx, lead, o.caseID, cases.NewVulnerability{Title: "Overflow"}); err != nil {
		t.Fatal(err)
	}
	pk, err := cs.AddPackage(ctx, lead, o.caseID, cases.NewAffectedPackage{Ecosystem: "Go", Name: "example.org/wsock"})
	if err != nil {
		t.Fatal(err)
	}
	o.pkg = pk.ID
	tk, err := cs.AddTask(ctx, lead, o.caseID, cases.NewCaseTask{Title: "Write the advisory"})
	if err != nil {
		t.Fatal(err)
	}
	o.task = tk.ID
	for _, th := range []string{cases.ThreadShared, cases.ThreadInternal} {
		if _, err := cs.AddPost(ctx, lead, o.caseID, "api", cases.NewCasePost{Thread: th, Body: "a " + th + " post"}); err != nil {
			t.Fatal(err)
		}
	}
	cf, err := cs.Attach(ctx, lead, o.caseID, []intake.Upload{{Filename: "poc.txt", Data: []byte("poc")}})
	if err != nil {
		t.Fatal(err)
	}
	o.caseFile = cf[0].ID
	adv, err := f.ta.App.Advisories.CreateFromCase(ctx, lead, o.caseID, "V1")
	if err != nil {
		t.Fatal(err)
	}
	o.advisory, o.osvID = adv.PublicID, adv.OSVID
	hook, err := f.ta.App.Outbox.AddWebhook(ctx, f.users[admin].Actor(), "Distro", "https://hooks.example.org/distro")
	if err != nil {
		t.Fatal(err)
	}
	o.webhook = hook.ID
	return o
}

// fill puts the ids of real objects (o) into a route's path. Ids of kinds the matrix does
// not create (tokens, jobs, plan items) do not exist.
func (f *matrixFixture) fill(method, path string, o *objects) string {
	path = strings.ReplaceAll(path, "{$}", "")
	if strings.HasPrefix(path, "/staff/metrics/") || strings.HasPrefix(path, "/tac/") {
		path = strings.NewReplacer("{key}", "time_to_acknowledge", "{file}", "2020-Q1.md", "{period}", "2020-Q1", "{chart}", "chart-1.svg").Replace(path)
	}
	path = strings.ReplaceAll(path, "{token}", "not-a-valid-link-token")
	path = strings.ReplaceAll(path, "{key}", "services")
	path = strings.ReplaceAll(path, "{name}", "acknowledgement")
	path = strings.ReplaceAll(path, "{oid}", "999999")
	if strings.Contains(path, "/users/{id}") {
		return strings.ReplaceAll(path, "{id}", strconv.FormatInt(f.target.ID, 10))
	}
	id := "999999"
	switch {
	case strings.Contains(path, "/track/"):
		path = strings.Replace(path, "not-a-valid-link-token", o.track, 1)
		return strings.ReplaceAll(path, "{id}", strconv.FormatInt(o.reportFile, 10))
	case strings.Contains(path, "/reports/{id}"):
		id = o.report
		path = strings.ReplaceAll(path, "{file}", strconv.FormatInt(o.reportFile, 10))
	case strings.Contains(path, "/cases/{id}"):
		id = o.caseID
		path = strings.ReplaceAll(path, "{file}", strconv.FormatInt(o.caseFile, 10))
	case strings.Contains(path, "/advisories/{id}"):
		id = o.advisory
	case strings.Contains(path, "/webhooks/{id}"):
		id = strconv.FormatInt(o.webhook, 10)
	case strings.HasPrefix(path, "/osv/{file}"):
		path = strings.ReplaceAll(path, "{file}", o.osvID+".json")
	case strings.Contains(path, "/csaf/white/{year}/{file}"):
		path = strings.ReplaceAll(path, "{year}", "2026")
		path = strings.ReplaceAll(path, "{file}", strings.ToLower(o.advisory)+".json")
	}
	r := strings.NewReplacer("{id}", id, "{file}", "999999", "{participant}", strconv.FormatInt(o.party, 10), "{pid}", strconv.FormatInt(o.party, 10),
		"{task}", strconv.FormatInt(o.task, 10), "{package}", strconv.FormatInt(o.pkg, 10), "{pkg}", strconv.FormatInt(o.pkg, 10),
		"{vuln}", "V1", "{format}", "osv", "{purl}", url.PathEscape("pkg:npm/left-pad"))
	return r.Replace(path)
}

// objectsFor is the shared set for GETs, a fresh one for changes to a route's objects.
func (f *matrixFixture) objectsFor(t *testing.T, method, path string) *objects {
	if method == "GET" || !strings.Contains(path, "{") {
		return f.shared
	}
	return f.objects(t)
}

func (f *matrixFixture) counter(s string, o *objects) string {
	f.n++
	s = strings.ReplaceAll(s, "{participant}", strconv.FormatInt(o.party, 10))
	return strings.ReplaceAll(s, "%d", strconv.Itoa(f.n))
}

// apiRoutes lists "METHOD /path" for every operation in the OpenAPI document.
func apiRoutes(ta *testapp.TestApp) []string {
	var out []string
	for p, item := range ta.Server.API.OpenAPI().Paths {
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"} {
			if operation(item, m) != nil {
				out = append(out, m+" "+p)
			}
		}
	}
	sort.Strings(out)
	return out
}

func operation(item *huma.PathItem, method string) *huma.Operation {
	if item == nil {
		return nil
	}
	switch method {
	case "GET":
		return item.Get
	case "POST":
		return item.Post
	case "PUT":
		return item.Put
	case "PATCH":
		return item.Patch
	case "DELETE":
		return item.Delete
	case "HEAD":
		return item.Head
	}
	return nil
}

func TestRouteMatrix(t *testing.T) {
	dbtest.ForEachDialect(t, func(t *testing.T, d *db.DB) {
		f := newMatrixFixture(t, d)
		var bad []string
		observed := map[string]statuses{}

		for _, route := range apiRoutes(f.ta) {
			want, ok := apiMatrix[route]
			if !ok {
				bad = append(bad, "API route "+route+" has no row in apiMatrix")
			}
			method, path, _ := strings.Cut(route, " ")
			var got statuses
			for w := anon; w <= admin; w++ {
				o := f.objectsFor(t, method, path)
				var body any
				if b, ok := apiBodies[route]; ok {
					body = f.counter(b, o)
				} else if w == anon && (method == "POST" || method == "PATCH" || method == "PUT") {
					if op := operation(f.ta.Server.API.OpenAPI().Paths[path], method); op != nil && op.RequestBody != nil {
						bad = append(bad, "API route "+route+" takes a body but has none in apiBodies")
					}
				}
				var res *testapp.Response
				if b, ok := body.(string); ok && strings.HasPrefix(b, multipartBody[:10]) {
					req := f.ta.NewRequest(method, f.fill(method, path, o), b)
					req.Header.Set("Content-Type", "multipart/form-data; boundary=matrix")
					if f.tokens[w] != "" {
						req.Header.Set("Authorization", "Bearer "+f.tokens[w])
					}
					res = f.ta.Do(req)
				} else {
					res = f.ta.API(method, f.fill(method, path, o), f.tokens[w], body)
				}
				got[w] = res.StatusCode
				bad = append(bad, leaks(route, w, res)...)
				if res.StatusCode >= 400 && !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
					bad = append(bad, fmt.Sprintf("%s as %s: %d with content type %q, want problem+json", route, whoNames[w], res.StatusCode, res.Header.Get("Content-Type")))
				}
			}
			observed[route] = got
			if ok && got != want {
				bad = append(bad, fmt.Sprintf("%s: got %v, want %v (%v)", route, got, want, whoNames))
			}
		}
		for route := range apiMatrix {
			if _, ok := observed[route]; !ok {
				bad = append(bad, "apiMatrix row "+route+" is not in the OpenAPI document (stale row)")
			}
		}

		htmlRoutes := registeredPatterns(t)
		for _, route := range htmlRoutes {
			want, ok := htmlMatrix[route]
			if !ok {
				bad = append(bad, "HTML route "+route+" has no row in htmlMatrix")
			}
			method, path, found := strings.Cut(route, " ")
			if !found {
				method, path = "GET", route+"nope"
			}
			if path == "/static/" {
				path = "/static/sirt.css"
			}
			var got statuses
			for w := anon; w <= admin; w++ {
				o := f.objectsFor(t, method, path)
				b := f.ta.Browser()
				if w != anon {
					b.SignIn(f.users[w])
				}
				var res *testapp.Response
				if method == "POST" {
					form := url.Values{}
					for k, v := range htmlForms[route] {
						form[k] = []string{f.counter(v[0], o)}
					}
					if w != anon {
						form.Set("csrf", b.CSRF())
					}
					res = b.Post(f.fill(method, path, o), form)
				} else {
					res = b.Get(f.fill(method, path, o))
				}
				got[w] = res.StatusCode
				bad = append(bad, leaks(route, w, res)...)
				if res.StatusCode >= 500 {
					bad = append(bad, fmt.Sprintf("%s as %s: %d: %.300s", route, whoNames[w], res.StatusCode, res.Body))
				}
			}
			observed[route] = got
			if ok && got != want {
				bad = append(bad, fmt.Sprintf("%s: got %v, want %v (%v)", route, got, want, whoNames))
			}
		}
		for route := range htmlMatrix {
			if _, ok := observed[route]; !ok {
				bad = append(bad, "htmlMatrix row "+route+" is not registered by any handler (stale row)")
			}
		}
		if len(bad) > 0 {
			sort.Strings(bad)
			var obs []string
			for r, s := range observed {
				obs = append(obs, fmt.Sprintf("%q: {%d, %d, %d, %d, %d},", r, s[0], s[1], s[2], s[3], s[4]))
			}
			sort.Strings(obs)
			t.Fatalf("authorization matrix:\n  %s\n\nobserved (anonymous, member, responder, pgm, admin):\n%s", strings.Join(bad, "\n  "), strings.Join(obs, "\n"))
		}
	})
}

// leaks names what a response carries that its caller may not read: the case's
// content for anyone outside the team (the member has not read in, the programme
// manager reads metadata only), an internal note for anyone but the team.
func leaks(route string, w who, res *testapp.Response) []string {
	var out []string
	if strings.HasSuffix(route, "/read-in") && w == member && res.StatusCode < 300 {
		return nil // reading in is how the member gets the content
	}
	if w != responder && w != admin && strings.Contains(string(res.Body), "EMBARGOED-DETAILS") {
		out = append(out, fmt.Sprintf("%s as %s: the response carries the case's content", route, whoNames[w]))
	}
	if w != responder && w != admin && strings.Contains(string(res.Body), "a internal post") {
		out = append(out, fmt.Sprintf("%s as %s: the response carries an internal note", route, whoNames[w]))
	}
	return out
}

// registeredPatterns finds every ServeMux pattern registered with a string literal in
// the module's non-test code: calls named handle, Handle or HandleFunc whose first
// argument is a pattern. (ServeMux cannot list its patterns, and reading the source is
// what a reviewer would do.)
func registeredPatterns(t *testing.T) []string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(filepath.Join(root, "internal"), func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || strings.Contains(p, string(filepath.Separator)+"testdata"+string(filepath.Separator)) {
			return nil
		}
		file, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			var name string
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				name = fn.Sel.Name
			}
			if name != "handle" && name != "Handle" && name != "HandleFunc" {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !looksLikePattern(s) {
				return true
			}
			seen[s] = true
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func looksLikePattern(s string) bool {
	if strings.HasPrefix(s, "/") {
		return true
	}
	m, p, ok := strings.Cut(s, " ")
	return ok && strings.HasPrefix(p, "/") && m == strings.ToUpper(m) && m != "" && !strings.ContainsAny(m, "/")
}
