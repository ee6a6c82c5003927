// Package members is the member desk: the member directory in Redis (imported
// from CSV or JSON), the checklist the person answering runs on every member
// record, identity checks with fødselsnummer, membership number and KID, and
// messages to departments that must be followed up.
//
// A fødselsnummer is never stored, logged or returned: the directory keeps a
// keyed hash (HMAC-SHA256) to compare against what a caller reads out, and a
// verdict (valid, placeholder, fails its check digits) for the checklist.
//
// The Directory implements routing.Directory, so the agent sees the member's
// name when a member calls from a registered number.
package members
