package controlplane

// What the run plane reads of a workload's spec: where its background calls report, and how
// a function serves MCP.

// FunctionTransport returns the MCP transport a function of the workspace serves:
// its spec.runtime.transport, "http-stream" unless set.
func (s *Plane) FunctionTransport(workspace, name string) string {
	transport := "http-stream"
	s.withWorkload("functions", workspace, name, func(doc map[string]any) {
		if t := getString(doc, []string{"spec", "runtime", "transport"}); t != "" {
			transport = t
		}
	})
	return transport
}

// withWorkload calls read with the stored document of a workload, under the store's lock;
// not at all when there is none.
func (s *Plane) withWorkload(kind, workspace, name string, read func(doc map[string]any)) {
	coll := s.collectionAt("/" + kind)
	if coll == nil || len(coll.keyParams) != 1 {
		return
	}
	st := s.handlers.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if e := st.in(workspace).find(coll, map[string]string{coll.keyParams[0]: name}); e != nil {
		read(e.doc)
	}
}

// AsyncCallbackURL returns where the platform reports the end of a background call of a
// workload of that kind ("agents"...) in the workspace: the callbackUrl of its first enabled
// trigger of type http-async, "" when it has none.
func (s *Plane) AsyncCallbackURL(kind, workspace, name string) string {
	url := ""
	s.withWorkload(kind, workspace, name, func(doc map[string]any) {
		triggers, _ := getPath(doc, []string{"spec", "triggers"})
		list, _ := triggers.([]any)
		for _, t := range list {
			trigger, _ := t.(map[string]any)
			if trigger == nil || trigger["type"] != "http-async" || trigger["enabled"] == false {
				continue
			}
			if url = getString(trigger, []string{"configuration", "callbackUrl"}); url != "" {
				return
			}
		}
	})
	return url
}
