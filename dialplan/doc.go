// Package dialplan holds the PBX dialplans that hand calls to the sentralbord
// service: asterisk/extensions.conf (FastAGI) and, later, the FreeSWITCH
// dialplan. The package has no code; its tests check the dialplan files
// against the variable and request contract of the service and against the
// example configuration.
package dialplan
