package controlplane

// AsyncCallbackURL returns where the platform reports the end of a background call of a
// workload of that kind ("agents"...) in the workspace: the callbackUrl of its first enabled
// trigger of type http-async, "" when it has none.
func (s *Plane) AsyncCallbackURL(kind, workspace, name string) string {
	coll := s.collectionAt("/" + kind)
	if coll == nil || len(coll.keyParams) != 1 {
		return ""
	}
	st := s.handlers.st
	st.mu.Lock()
	defer st.mu.Unlock()
	e := st.in(workspace).find(coll, map[string]string{coll.keyParams[0]: name})
	if e == nil {
		return ""
	}
	triggers, _ := getPath(e.doc, []string{"spec", "triggers"})
	list, _ := triggers.([]any)
	for _, t := range list {
		trigger, _ := t.(map[string]any)
		if trigger == nil || trigger["type"] != "http-async" || trigger["enabled"] == false {
			continue
		}
		if url := getString(trigger, []string{"configuration", "callbackUrl"}); url != "" {
			return url
		}
	}
	return ""
}
