package esltest

// The model the api queries answer from. Changing it fires no event: tests
// fire events themselves, or change the model while the client is away to
// check that a reconnection resynchronises.

// SetChannel records an answered channel on a SIP phone with extension ext.
func (s *Server) SetChannel(uuid, ext, direction string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels[uuid] = map[string]string{
		"uuid": uuid, "direction": direction, "created": "2026-11-28 04:39:31", "created_epoch": "1795840771",
		"name": "sofia/internal/" + ext + "@192.0.2.2:5060", "state": "CS_EXCHANGE_MEDIA",
		"cid_name": ext, "cid_num": ext, "ip_addr": "198.51.100.7", "dest": "9001",
		"application": "bridge", "application_data": "{origination_caller_id_number=5551000,ignore_early_media=true}user/2102",
		"dialplan": "XML", "context": "default", "hostname": "vm", "presence_id": ext + "@192.0.2.2",
		"callstate": "ACTIVE", "call_uuid": uuid,
	}
}

// DropChannel forgets a channel (the call ended).
func (s *Server) DropChannel(uuid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.channels, uuid)
}

// SetRegistration records a registration of user with SIP Call-ID callID.
func (s *Server) SetRegistration(user, callID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.regs[callID] = map[string]string{
		"reg_user": user, "realm": "192.0.2.2", "token": callID,
		"url": "sofia/internal/sip:" + user + "@198.51.100.7:5060", "expires": "1795844371",
		"network_ip": "198.51.100.7", "network_port": "5060", "network_proto": "udp", "hostname": "vm",
	}
}

// DropRegistration forgets a registration.
func (s *Server) DropRegistration(callID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.regs, callID)
}

// SetAgent records a mod_callcenter agent ("1000@default") with its status and state.
func (s *Server) SetAgent(name, status, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.agents[name] = [2]string{status, state}
}
