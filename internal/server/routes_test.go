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
// validation. {id} is replaced by the id of an existing member user for user routes
// and by an id that does not exist elsewhere; {token} by an invalid link token.

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

	// Intake and triage. {id} of GET report routes is a real anonymous report; members
	// who did not file it and programme managers do not learn it exists.
	"POST /api/v1/reports":                      {201, 201, 201, 201, 201},
	"GET /api/v1/reports":                       {401, 200, 200, 200, 200},
	"GET /api/v1/reports/{id}":                  {404, 404, 200, 404, 200},
	"GET /api/v1/reports/{id}/messages":         {401, 404, 200, 404, 200},
	"GET /api/v1/reports/{id}/similar":          {401, 403, 200, 403, 200},
	"POST /api/v1/reports/{id}/messages":        {401, 404, 404, 404, 404},
	"POST /api/v1/reports/{id}/triage":          {401, 404, 404, 404, 404},
	"POST /api/v1/reports/{id}/assign":          {401, 404, 404, 404, 404},
	"POST /api/v1/reports/{id}/duplicate":       {401, 404, 404, 404, 404},
	"POST /api/v1/reports/{id}/park":            {401, 404, 404, 404, 404},
	"POST /api/v1/reports/{id}/request-missing": {401, 404, 404, 404, 404},
	"POST /api/v1/reports/bulk-decline":         {401, 403, 200, 403, 200},
	"POST /api/v1/reports/{id}/attachments":     {401, 404, 404, 404, 404},
	"GET /api/v1/reports/{id}/attachments":      {401, 404, 200, 404, 200},
	"GET /api/v1/ssvc/coordinator-triage":       {200, 200, 200, 200, 200},

	// Advisories: staff draft and publish; {id} does not exist, so everyone signed in gets 404.
	"GET /api/v1/advisories":                {401, 403, 200, 200, 200},
	"POST /api/v1/advisories":               {401, 403, 201, 403, 201},
	"POST /api/v1/advisories/import":        {401, 403, 201, 403, 201},
	"GET /api/v1/advisories/{id}":           {401, 404, 404, 404, 404},
	"PATCH /api/v1/advisories/{id}":         {401, 404, 404, 404, 404},
	"GET /api/v1/advisories/{id}/revisions": {401, 404, 404, 404, 404},
	"GET /api/v1/advisories/{id}/osv":       {401, 404, 404, 404, 404},
	"GET /api/v1/advisories/{id}/csaf":      {401, 404, 404, 404, 404},
	"GET /api/v1/advisories/{id}/vex":       {401, 404, 404, 404, 404},
	"GET /api/v1/advisories/{id}/cve":       {401, 404, 404, 404, 404},
	"POST /api/v1/advisories/{id}/submit":   {401, 404, 404, 404, 404},
	"POST /api/v1/advisories/{id}/approve":  {401, 404, 404, 404, 404},
	"POST /api/v1/advisories/{id}/schedule": {401, 404, 404, 404, 404},
	"POST /api/v1/advisories/{id}/publish":  {401, 404, 404, 404, 404},
	"POST /api/v1/advisories/{id}/withdraw": {401, 404, 404, 404, 404},

	// The plan: the team reads it and logs hours; the programme manager and admins edit it.
	"GET /api/v1/plan":                   {401, 403, 200, 200, 200},
	"GET /api/v1/plan/export":            {401, 403, 200, 200, 200},
	"GET /api/v1/plan/hours":             {401, 403, 200, 200, 200},
	"POST /api/v1/plan/import":           {401, 403, 403, 201, 201},
	"PATCH /api/v1/plan/milestones/{id}": {401, 403, 404, 404, 404},
	"PATCH /api/v1/plan/tasks/{id}":      {401, 403, 404, 404, 404},
	"POST /api/v1/plan/hours":            {401, 403, 201, 201, 201},
	// Cases ({id} is a case that does not exist: 404 for everyone signed in; the full need-to-know matrix on real cases is internal/cases/matrix_test.go).
	"GET /api/v1/cases":                                     {401, 200, 200, 200, 200},
	"GET /api/v1/cases/{id}":                                {401, 404, 404, 404, 404},
	"GET /api/v1/cases/{id}/deliveries":                     {401, 404, 404, 404, 404},
	"GET /api/v1/cases/{id}/export/{format}":                {401, 404, 404, 404, 404},
	"GET /api/v1/cases/{id}/posts":                          {401, 404, 404, 404, 404},
	"GET /api/v1/cases/{id}/timeline":                       {401, 404, 404, 404, 404},
	"GET /api/v1/webhooks":                                  {401, 403, 403, 403, 200},
	"PATCH /api/v1/cases/{id}":                              {401, 404, 404, 404, 404},
	"PATCH /api/v1/cases/{id}/participants/{participant}":   {401, 404, 404, 404, 404},
	"PATCH /api/v1/cases/{id}/tasks/{task}":                 {401, 404, 404, 404, 404},
	"POST /api/v1/cases":                                    {401, 201, 201, 403, 201},
	"POST /api/v1/cases/{id}/embargo":                       {401, 404, 404, 404, 404},
	"POST /api/v1/cases/{id}/embargo-break":                 {401, 404, 404, 404, 404},
	"POST /api/v1/cases/{id}/facts":                         {401, 404, 404, 404, 404},
	"POST /api/v1/cases/{id}/packages":                      {401, 404, 404, 404, 404},
	"POST /api/v1/cases/{id}/participants":                  {401, 404, 404, 404, 404},
	"POST /api/v1/cases/{id}/posts":                         {401, 404, 404, 404, 404},
	"POST /api/v1/cases/{id}/read-in":                       {401, 404, 404, 404, 404},
	"POST /api/v1/cases/{id}/tasks":                         {401, 404, 404, 404, 404},
	"POST /api/v1/cases/{id}/vulnerabilities":               {401, 404, 404, 404, 404},
	"POST /api/v1/cases/{id}/vulnerabilities/{vuln}/status": {401, 404, 404, 404, 404},
	"POST /api/v1/webhooks":                                 {401, 403, 403, 403, 201},
	"POST /api/v1/webhooks/{id}/disable":                    {401, 403, 403, 403, 404},
	"DELETE /api/v1/webhooks/{id}":                          {401, 403, 403, 403, 404},

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
	"POST /api/v1/cases/{id}/playbooks":            {401, 404, 404, 404, 404},
	"GET /api/v1/cases/{id}/playbooks":             {401, 404, 404, 404, 404},
	"GET /api/v1/cases/{id}/tasks":                 {401, 404, 404, 404, 404},
	"GET /api/v1/roster":                           {401, 403, 200, 200, 200},
	"PUT /api/v1/roster/{id}":                      {401, 403, 403, 404, 404},
	"GET /api/v1/courses":                          {401, 403, 200, 200, 200},
	"POST /api/v1/courses":                         {401, 403, 403, 201, 201},
	"POST /api/v1/courses/{id}/completions":        {401, 403, 404, 404, 404},
	"GET /api/v1/training/readiness":               {401, 403, 200, 200, 200},
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
	"POST /api/v1/cases/{id}/embargo":                       `{"action": "accept"}`,
	"POST /api/v1/cases/{id}/embargo-break":                 `{"reason": "leaked %d"}`,
	"POST /api/v1/cases/{id}/facts":                         `{"vendor_aware": true}`,
	"POST /api/v1/cases/{id}/vulnerabilities":               `{"title": "Flaw %d"}`,
	"POST /api/v1/cases/{id}/vulnerabilities/{vuln}/status": `{"status": "affected"}`,
	"POST /api/v1/cases/{id}/packages":                      `{"ecosystem": "Go", "name": "example.org/x"}`,
	"POST /api/v1/cases/{id}/posts":                         `{"body": "hello %d"}`,
	"POST /api/v1/cases/{id}/tasks":                         `{"title": "Task %d"}`,
	"PATCH /api/v1/cases/{id}/tasks/{task}":                 `{"done": true}`,
	"POST /api/v1/webhooks":                                 `{"organisation": "Org %d", "url": "https://hooks.example.org/%d"}`,

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
	"GET /dashboard":                    {303, 403, 200, 200, 200},
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
	"GET /.well-known/security.txt":      {200, 200, 200, 200, 200},
	"GET /security.txt":                  {200, 200, 200, 200, 200},
	"GET /team-key.asc":                  {200, 200, 200, 200, 200},
	"GET /triage-criteria":               {200, 200, 200, 200, 200},
	"GET /report":                        {200, 200, 200, 200, 200},
	"POST /report":                       {201, 201, 201, 201, 201},
	"GET /help":                          {200, 200, 200, 200, 200},
	"POST /help":                         {201, 201, 201, 201, 201},
	"GET /track/{token}":                 {404, 404, 404, 404, 404},
	"POST /track/{token}":                {404, 404, 404, 404, 404},
	"GET /track/{token}/files/{id}":      {404, 404, 404, 404, 404},
	"GET /admin/templates":               {303, 403, 403, 403, 200},
	"POST /admin/templates/{name}":       {303, 403, 403, 403, 303},
	"GET /admin/pages":                   {303, 403, 403, 403, 200},
	"POST /admin/pages/{key}":            {303, 403, 403, 403, 303},
	"GET /reports":                       {303, 403, 200, 403, 200},
	"GET /reports/{id}":                  {303, 404, 200, 404, 200},
	"GET /reports/{id}/files/{file}":     {303, 404, 404, 404, 404},
	"POST /reports/bulk-decline":         {303, 403, 303, 403, 303},
	"POST /reports/{id}/triage":          {303, 404, 404, 404, 404},
	"POST /reports/{id}/assign":          {303, 404, 404, 404, 404},
	"POST /reports/{id}/messages":        {303, 404, 404, 404, 404},
	"POST /reports/{id}/park":            {303, 404, 404, 404, 404},
	"POST /reports/{id}/request-missing": {303, 404, 404, 404, 404},
	"POST /reports/{id}/duplicate":       {303, 404, 404, 404, 404},

	// Published advisories (none here) and the staff advisory pages.
	"GET /advisories":                              {200, 200, 200, 200, 200},
	"GET /advisories.atom":                         {200, 200, 200, 200, 200},
	"GET /advisories/{id}":                         {404, 404, 404, 404, 404},
	"GET /osv/all.zip":                             {200, 200, 200, 200, 200},
	"GET /osv/{file}":                              {404, 404, 404, 404, 404},
	"GET /.well-known/csaf/provider-metadata.json": {200, 200, 200, 200, 200},
	"GET /.well-known/csaf/white/index.txt":        {200, 200, 200, 200, 200},
	"GET /.well-known/csaf/white/changes.csv":      {200, 200, 200, 200, 200},
	"GET /.well-known/csaf/white/{year}/{file}":    {404, 404, 404, 404, 404},
	"GET /staff/advisories":                        {303, 403, 200, 200, 200},
	"POST /staff/advisories":                       {303, 403, 422, 403, 422},
	"POST /staff/advisories/import":                {303, 403, 422, 403, 422},
	"GET /staff/advisories/{id}":                   {303, 404, 404, 404, 404},
	"GET /staff/advisories/{id}/export/{format}":   {303, 404, 404, 404, 404},
	"POST /staff/advisories/{id}":                  {303, 404, 404, 404, 404},
	"POST /staff/advisories/{id}/submit":           {303, 404, 404, 404, 404},
	"POST /staff/advisories/{id}/approve":          {303, 404, 404, 404, 404},
	"POST /staff/advisories/{id}/schedule":         {303, 404, 404, 404, 404},
	"POST /staff/advisories/{id}/publish":          {303, 404, 404, 404, 404},
	"POST /staff/advisories/{id}/withdraw":         {303, 404, 404, 404, 404},

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
	"GET /cases":                          {303, 200, 200, 200, 200},
	"GET /cases/{id}":                     {303, 404, 404, 404, 404},
	"GET /cases/{id}/export/{format}":     {303, 404, 404, 404, 404},
	"GET /cases/{id}/files/{file}":        {303, 404, 404, 404, 404},
	"POST /cases":                         {303, 303, 303, 403, 303},
	"POST /cases/{id}/break":              {303, 404, 404, 404, 404},
	"POST /cases/{id}/embargo":            {303, 404, 404, 404, 404},
	"POST /cases/{id}/facts":              {303, 404, 404, 404, 404},
	"POST /cases/{id}/files":              {303, 404, 404, 404, 404},
	"POST /cases/{id}/packages":           {303, 404, 404, 404, 404},
	"POST /cases/{id}/participants":       {303, 404, 404, 404, 404},
	"POST /cases/{id}/participants/{pid}": {303, 404, 404, 404, 404},
	"POST /cases/{id}/posts":              {303, 404, 404, 404, 404},
	"POST /cases/{id}/read-in":            {303, 404, 404, 404, 404},
	"POST /cases/{id}/status":             {303, 404, 404, 404, 404},
	"POST /cases/{id}/tasks":              {303, 404, 404, 404, 404},
	"POST /cases/{id}/tasks/{task}":       {303, 404, 404, 404, 404},
	"POST /cases/{id}/vulnerabilities":    {303, 404, 404, 404, 404},

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
	"POST /cases/{id}/playbooks":         {303, 404, 404, 404, 404},
}

// htmlForms are the fields sent with each POST.
var htmlForms = map[string]url.Values{
	"POST /account/profile":        {"name": {"Someone"}, "time_zone": {"UTC"}},
	"POST /account/tokens":         {"name": {"matrix"}, "scope": {"read"}},
	"POST /admin/users":            {"email": {"form-%d@example.org"}, "role": {"member"}, "password": {"a-long-passphrase"}},
	"POST /admin/users/invite":     {"email": {"inv-%d@example.org"}, "role": {"member"}},
	"POST /admin/users/{id}":       {"role": {"member"}},
	"POST /account/password":       {"current_password": {"wrong one entirely"}, "password": {"a-new-long-passphrase"}, "password2": {"a-new-long-passphrase"}},
	"POST /report":                 {"summary": {"matrix form report %d"}},
	"POST /help":                   {"summary": {"matrix help %d"}, "pathway": {"owner_needs_help"}},
	"POST /admin/pages/{key}":      {"text": {"# Services %d"}},
	"POST /admin/templates/{name}": {"subject": {"Received {{.TrackingID}} %d"}, "body": {"Thanks, {{.Team}}."}},
	"POST /reports/bulk-decline":   {"id": {"OSS-SIRT-1999-%d"}, "rationale": {"not a vulnerability"}},
	"POST /reports/{id}/messages":  {"body": {"hello %d"}},
	"POST /plan/hours":             {"target": {"case:C-%d"}, "hours": {"1"}},
	"POST /reports/{id}/triage":    {"dp_RP": {"N"}, "dp_SCON": {"Y"}, "dp_RC": {"C"}, "dp_SC": {"M"}, "dp_SE": {"A"}, "dp_U": {"E"}, "dp_PSI": {"S"}},
	"POST /cases":                  {"title": {"Matrix case %d"}},
	"POST /cases/{id}/read-in":     {"accept": {"on"}},
	"POST /apply":                  {"name": {"Applicant %d"}, "email": {"form-applicant-%d@example.net"}, "role": {"responder"}},
	"POST /docs":                   {"title": {"Doc %d"}, "kind": {"runbook"}, "body": {"Steps %d"}},
	"POST /docs/{id}":              {"title": {"Doc %d"}, "kind": {"runbook"}, "body": {"Steps"}, "version": {"1"}},
	"POST /docs/{id}/feedback":     {"body": {"unclear %d"}},
}

type matrixFixture struct {
	ta     *testapp.TestApp
	users  [5]testapp.User
	tokens [5]string
	target testapp.User // the {id} of user routes
	report string       // the {id} of GET report routes
	n      int
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
	_, rc, err := f.ta.App.Intake.Submit(context.Background(), authz.Anonymous(), intake.SourceAPI, intake.Submission{Summary: "A report nobody outside the team may see"})
	if err != nil {
		t.Fatal(err)
	}
	f.report = rc.ID
	if _, _, err := f.ta.App.EnsureTeamKey(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *matrixFixture) fill(method, path string) string {
	path = strings.ReplaceAll(path, "{$}", "")
	path = strings.ReplaceAll(path, "{token}", "not-a-valid-link-token")
	path = strings.ReplaceAll(path, "{key}", "services")
	path = strings.ReplaceAll(path, "{name}", "acknowledgement")
	if strings.Contains(path, "/users/{id}") {
		return strings.ReplaceAll(path, "{id}", strconv.FormatInt(f.target.ID, 10))
	}
	if method == "GET" && strings.Contains(path, "/reports/{id}") {
		path = strings.Replace(path, "{id}", f.report, 1)
	}
	return strings.ReplaceAll(strings.ReplaceAll(path, "{id}", "999999"), "{file}", "999999")
}

func (f *matrixFixture) counter(s string) string {
	f.n++
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
				var body any
				if b, ok := apiBodies[route]; ok {
					body = f.counter(b)
				} else if w == anon && (method == "POST" || method == "PATCH" || method == "PUT") {
					if op := operation(f.ta.Server.API.OpenAPI().Paths[path], method); op != nil && op.RequestBody != nil {
						bad = append(bad, "API route "+route+" takes a body but has none in apiBodies")
					}
				}
				var res *testapp.Response
				if b, ok := body.(string); ok && strings.HasPrefix(b, multipartBody[:10]) {
					req := f.ta.NewRequest(method, f.fill(method, path), b)
					req.Header.Set("Content-Type", "multipart/form-data; boundary=matrix")
					if f.tokens[w] != "" {
						req.Header.Set("Authorization", "Bearer "+f.tokens[w])
					}
					res = f.ta.Do(req)
				} else {
					res = f.ta.API(method, f.fill(method, path), f.tokens[w], body)
				}
				got[w] = res.StatusCode
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
				b := f.ta.Browser()
				if w != anon {
					b.SignIn(f.users[w])
				}
				var res *testapp.Response
				if method == "POST" {
					form := url.Values{}
					for k, v := range htmlForms[route] {
						form[k] = []string{f.counter(v[0])}
					}
					if w != anon {
						form.Set("csrf", b.CSRF())
					}
					res = b.Post(f.fill(method, path), form)
				} else {
					res = b.Get(f.fill(method, path))
				}
				got[w] = res.StatusCode
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
