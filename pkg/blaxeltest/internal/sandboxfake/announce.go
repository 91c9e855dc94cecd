package sandboxfake

// announce tells the live readers of a process (exec and log streams) a message of the
// server's own, a stop or a kill, which the process's record and logs do not keep: the real
// server writes it to the streams that follow the process, and reads records and logs from
// the process's log files, where it never goes.
func (o *procOutput) announce(msg string) {
	o.write.Lock()
	defer o.write.Unlock()
	o.mu.Lock()
	subs := o.subList()
	o.mu.Unlock()
	deliver(subs, logEvent{data: []byte(msg)})
}
