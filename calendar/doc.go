// Package calendar turns Outlook calendars into the busy intervals routing
// asks about at the moment of a call.
//
// A Syncer fetches each agent's calendar on an interval: a published ICS
// feed (URL or file, parsed with go-ical, recurrences expanded with
// rrule-go) or Microsoft Graph getSchedule with app credentials. Rules
// decide which entries make the agent unavailable: busy and out of office
// do, free and working elsewhere do not, tentative is a setting, and an
// all-day event does unless an informational rule (subject prefix or
// category) marks it. All-day events are whole local dates in the
// configured zone (Europe/Oslo), never UTC arithmetic.
//
// Results are stored in Redis under the deployment's hash tag, one hash per
// agent ("{sb}:cal:<agent>"), so every instance and the command line see the
// same data. Only the instance holding "{sb}:cal:lock" fetches. Store
// implements routing.Calendar with one small read per question and never
// fetches; a feed that fails keeps its last good data for MaxStale and is
// marked stale.
package calendar
