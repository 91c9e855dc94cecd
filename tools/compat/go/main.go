// Command compat-go is a user's tour of Blaxel with the official Go SDK,
// github.com/blaxel-ai/sdk-go, configured only through its environment variables
// (BL_API_URL, BL_RUN_URL, BL_WORKSPACE, BL_API_KEY, BL_REGION). make compat runs it against
// blaxel-fake; it runs against any Blaxel workspace the same way.
//
// With -client-credentials it is the second program of the service-account step: it expects
// BL_CLIENT_CREDENTIALS instead of BL_API_KEY and lists the sandboxes twice.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	blaxel "github.com/blaxel-ai/sdk-go"
	"github.com/blaxel-ai/sdk-go/lib/mcp"
)

const sdkVersion = "v0.26.3"

const (
	boxName     = "compat-box"
	agentName   = "compat-agent"
	fnName      = "compat-fn"
	jobName     = "compat-job"
	volumeName  = "compat-volume"
	accountName = "compat-account"
	dir         = "/blaxel/tour"
	greeting    = "hello from the tour\n"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-client-credentials" {
		os.Exit(clientCredentialsProgram())
	}
	os.Exit(run())
}

func run() int {
	t := newTour("go github.com/blaxel-ai/sdk-go " + sdkVersion)
	client, err := blaxel.NewDefaultClient()
	if err != nil {
		fmt.Println("NewDefaultClient:", err)
		return 2
	}
	workspace := blaxel.GetDefaultWorkspace()

	// The workloads first: they deploy while the sandbox steps run.
	t.step("agents/create", func(ctx context.Context) (string, error) {
		_, err := client.Agents.New(ctx, blaxel.AgentNewParams{Agent: blaxel.AgentParam{
			Metadata: blaxel.MetadataParam{Name: agentName},
			Spec:     blaxel.AgentSpecParam{Enabled: blaxel.Bool(true)},
		}})
		return "", err
	})
	t.step("functions/create", func(ctx context.Context) (string, error) {
		_, err := client.Functions.New(ctx, blaxel.FunctionNewParams{Function: blaxel.FunctionParam{
			Metadata: blaxel.MetadataParam{Name: fnName},
			Spec:     blaxel.FunctionSpecParam{Runtime: blaxel.FunctionRuntimeParam{Transport: "http-stream"}},
		}})
		return "", err
	})
	t.step("jobs/create", func(ctx context.Context) (string, error) {
		_, err := client.Jobs.New(ctx, blaxel.JobNewParams{Job: blaxel.JobParam{
			Metadata: blaxel.MetadataParam{Name: jobName},
			Spec:     blaxel.JobSpecParam{Enabled: blaxel.Bool(true)},
		}})
		return "", err
	})

	// Sandboxes, then their processes and files right after create, as the SDK's users do.
	var sbx *blaxel.SandboxInstance
	t.step("sandboxes/create", func(ctx context.Context) (string, error) {
		var err error
		sbx, err = client.Sandboxes.NewInstance(ctx, blaxel.SandboxNewParams{Sandbox: blaxel.SandboxParam{
			Metadata: blaxel.MetadataParam{Name: boxName, Labels: map[string]string{"tour": "go"}},
			Spec: blaxel.SandboxSpecParam{Runtime: blaxel.SandboxRuntimeParam{
				Image: blaxel.String("blaxel/base-image:latest"), Memory: blaxel.Int(2048),
			}},
		}})
		if err != nil {
			return "", err
		}
		return "status " + string(sbx.Status), expect(sbx.Metadata.URL != "", "no metadata.url")
	})
	t.step("process/exec-wait", func(ctx context.Context) (string, error) {
		p, err := sbx.Process.New(ctx, blaxel.ProcessRequestParam{
			Name: blaxel.String("hello"), Command: "echo hello", WaitForCompletion: blaxel.Bool(true),
		})
		if err != nil {
			return "", err
		}
		return "pid " + p.Pid, errors.Join(
			expect(p.Status == "completed", "status %s, want completed", p.Status),
			expect(p.ExitCode == 0, "exit code %d", p.ExitCode),
			expect(strings.Contains(p.Logs, "hello"), "logs %q lack hello", p.Logs))
	})
	t.step("fs/write", func(ctx context.Context) (string, error) {
		_, err := sbx.FS.Write(ctx, dir+"/hello.txt", greeting)
		return "", err
	})
	t.step("sandboxes/get", func(ctx context.Context) (string, error) {
		got, err := client.Sandboxes.GetInstance(ctx, boxName)
		if err != nil {
			return "", err
		}
		return "status " + string(got.Status), expect(got.Metadata.Name == boxName, "got %s", got.Metadata.Name)
	})
	t.step("sandboxes/list", func(ctx context.Context) (string, error) {
		page, err := client.Sandboxes.ListInstances(ctx, blaxel.SandboxListParams{})
		if err != nil {
			return "", err
		}
		found := slices.ContainsFunc(page.Data, func(s *blaxel.SandboxInstance) bool { return s.Metadata.Name == boxName })
		return fmt.Sprintf("%d sandbox(es)", len(page.Data)), expect(found, "%s not listed", boxName)
	})

	t.step("process/exec-then-wait", func(ctx context.Context) (string, error) {
		if _, err := sbx.Process.New(ctx, blaxel.ProcessRequestParam{Name: blaxel.String("napper"), Command: "sleep 1"}); err != nil {
			return "", err
		}
		p, err := sbx.Process.Wait(ctx, "napper", 20*time.Second, 200*time.Millisecond)
		if err != nil {
			return "", err
		}
		return "", expect(p.Status == "completed", "status %s, want completed", p.Status)
	})
	t.step("process/exec-stream (ExecWithStreaming)", func(ctx context.Context) (string, error) {
		var lines []string
		p, err := sbx.Process.ExecWithStreaming(ctx, blaxel.ProcessRequestParam{
			Name: blaxel.String("streamer"), Command: "echo streamed", WaitForCompletion: blaxel.Bool(true),
		}, blaxel.ProcessStreamOptions{OnLog: func(line string) { lines = append(lines, line) }})
		if err != nil {
			return "", err
		}
		return "", errors.Join(expect(p.Status == "completed", "status %s, want completed", p.Status),
			expect(strings.Contains(strings.Join(lines, ""), "streamed"), "OnLog saw %q", lines))
	})
	t.step("process/logs", func(ctx context.Context) (string, error) {
		logs, err := sbx.Process.GetLogs(ctx, "hello")
		if err != nil {
			return "", err
		}
		return "", expect(strings.Contains(logs.Stdout, "hello"), "stdout %q lacks hello", logs.Stdout)
	})
	t.step("process/get-list", func(ctx context.Context) (string, error) {
		p, err := sbx.Process.Get(ctx, "hello")
		if err != nil {
			return "", err
		}
		all, err := sbx.Process.List(ctx)
		if err != nil {
			return "", err
		}
		found := slices.ContainsFunc(*all, func(q blaxel.ProcessResponse) bool { return q.Name == "napper" })
		return fmt.Sprintf("%d process(es)", len(*all)), errors.Join(
			expect(p.Name == "hello" && p.Status == "completed", "got %s %s", p.Name, p.Status),
			expect(found, "napper not listed"))
	})
	for _, end := range []struct{ name, status string }{{"stop", "stopped"}, {"kill", "killed"}} {
		t.step("process/"+end.name, func(ctx context.Context) (string, error) {
			name := end.name + "me"
			if _, err := sbx.Process.New(ctx, blaxel.ProcessRequestParam{Name: blaxel.String(name), Command: "sleep 600"}); err != nil {
				return "", err
			}
			var err error
			if end.name == "stop" {
				_, err = sbx.Process.Stop(ctx, name)
			} else {
				_, err = sbx.Process.Kill(ctx, name)
			}
			if err != nil {
				return "", err
			}
			p, err := sbx.Process.Wait(ctx, name, 20*time.Second, 200*time.Millisecond)
			if err != nil {
				return "", err
			}
			return "", expect(string(p.Status) == end.status, "status %s, want %s", p.Status, end.status)
		})
	}

	t.step("fs/read", func(ctx context.Context) (string, error) {
		text, err := sbx.FS.Read(ctx, dir+"/hello.txt")
		if err != nil {
			return "", err
		}
		return "", expect(text == greeting, "read %q", text)
	})
	t.step("fs/binary", func(ctx context.Context) (string, error) {
		data := []byte{0, 1, 2, 253, 254, 255}
		if _, err := sbx.FS.WriteBinary(ctx, dir+"/bytes.bin", data, "0644"); err != nil {
			return "", err
		}
		back, err := sbx.FS.ReadBinary(ctx, dir+"/bytes.bin")
		if err != nil {
			return "", err
		}
		return "", expect(bytes.Equal(back, data), "read back %x", back)
	})
	t.step("fs/mkdir-ls", func(ctx context.Context) (string, error) {
		if _, err := sbx.FS.Mkdir(ctx, dir+"/sub", "0755"); err != nil {
			return "", err
		}
		listing, err := sbx.FS.LS(ctx, dir)
		if err != nil {
			return "", err
		}
		var files, subdirs []string
		for _, f := range listing.Files {
			files = append(files, f.Name)
		}
		for _, d := range listing.Subdirectories {
			subdirs = append(subdirs, d.Name)
		}
		return fmt.Sprintf("%d file(s), %d dir(s)", len(files), len(subdirs)), errors.Join(
			expect(slices.Contains(files, "hello.txt"), "files %v", files),
			expect(slices.Contains(subdirs, "sub"), "subdirectories %v", subdirs))
	})
	t.step("fs/cp (exec cp -r)", func(ctx context.Context) (string, error) {
		if err := sbx.FS.CP(ctx, dir+"/hello.txt", dir+"/copy.txt", sbx.Process); err != nil {
			return "", err
		}
		text, err := sbx.FS.Read(ctx, dir+"/copy.txt")
		if err != nil {
			return "", err
		}
		return "", expect(text == greeting, "copy reads %q", text)
	})
	t.step("fs/rm", func(ctx context.Context) (string, error) {
		if _, err := sbx.FS.Write(ctx, dir+"/doomed.txt", "soon gone"); err != nil {
			return "", err
		}
		if _, err := sbx.FS.RM(ctx, dir+"/doomed.txt", false); err != nil {
			return "", err
		}
		_, err := sbx.FS.Read(ctx, dir+"/doomed.txt")
		return "", expect(statusOf(err) == http.StatusNotFound, "read after rm: %v, want 404", err)
	})

	// Previews and their tokens.
	var preview *blaxel.PreviewInstance
	t.step("previews/create", func(ctx context.Context) (string, error) {
		var err error
		preview, err = sbx.Previews.New(ctx, blaxel.SandboxPreviewNewParams{Preview: blaxel.PreviewParam{
			Metadata: blaxel.PreviewMetadataParam{Name: "web"},
			Spec:     blaxel.PreviewSpecParam{Port: blaxel.Int(3000), Public: blaxel.Bool(false)},
		}})
		if err != nil {
			return "", err
		}
		return preview.Spec.URL, expect(preview.Spec.URL != "", "no spec.url")
	})
	t.step("previews/get-list", func(ctx context.Context) (string, error) {
		got, err := sbx.Previews.Get(ctx, "web")
		if err != nil {
			return "", err
		}
		all, err := sbx.Previews.List(ctx)
		if err != nil {
			return "", err
		}
		found := slices.ContainsFunc(*all, func(p blaxel.Preview) bool { return p.Metadata.Name == "web" })
		return "", errors.Join(expect(got.Spec.Port == 3000, "port %d", got.Spec.Port), expect(found, "web not listed"))
	})
	t.step("previews/tokens", func(ctx context.Context) (string, error) {
		token, err := preview.Tokens.New(ctx, blaxel.PreviewTokenParam{
			Metadata: blaxel.PreviewTokenMetadataParam{Name: "tour-token"},
			Spec:     blaxel.PreviewTokenSpecParam{ExpiresAt: blaxel.String(time.Now().Add(time.Hour).Format(time.RFC3339))},
		})
		if err != nil {
			return "", err
		}
		if token.Spec.Token == "" {
			return "", errors.New("the token has no value")
		}
		tokens, err := preview.Tokens.List(ctx)
		if err != nil {
			return "", err
		}
		if !slices.ContainsFunc(*tokens, func(x blaxel.PreviewToken) bool { return x.Metadata.Name == "tour-token" }) {
			return "", errors.New("the token is not listed")
		}
		if _, err := preview.Tokens.Delete(ctx, "tour-token"); err != nil {
			return "", err
		}
		left, err := preview.Tokens.List(ctx)
		if err != nil {
			return "", err
		}
		return "", expect(!slices.ContainsFunc(*left, func(x blaxel.PreviewToken) bool { return x.Metadata.Name == "tour-token" }),
			"the token is still listed after delete")
	})
	t.step("previews/delete", func(ctx context.Context) (string, error) {
		_, err := sbx.Previews.Delete(ctx, "web")
		return "", err
	})

	// Sessions: a private preview and its token, used to reach the sandbox without the key.
	var session *blaxel.SessionWithToken
	t.step("sessions/create", func(ctx context.Context) (string, error) {
		expires := time.Now().Add(time.Hour)
		var err error
		session, err = sbx.Sessions.Create(ctx, &blaxel.SessionCreateOptions{ExpiresAt: &expires})
		if err != nil {
			return "", err
		}
		return session.URL, errors.Join(expect(session.URL != "", "no url"), expect(session.Token != "", "no token"))
	})
	t.step("sessions/list-get", func(ctx context.Context) (string, error) {
		all, err := sbx.Sessions.List(ctx)
		if err != nil {
			return "", err
		}
		got, err := sbx.Sessions.Get(ctx, session.Name)
		if err != nil {
			return "", err
		}
		found := slices.ContainsFunc(all, func(s blaxel.SessionWithToken) bool { return s.Name == session.Name })
		return "", errors.Join(expect(found, "%s not listed", session.Name), expect(got.Token == session.Token, "get answers another token"))
	})
	t.step("sessions/use (FromSession)", func(ctx context.Context) (string, error) {
		remote := client.Sandboxes.FromSession(*session)
		text, err := remote.FS.Read(ctx, dir+"/hello.txt")
		if err != nil {
			return "", err
		}
		return "", expect(text == greeting, "read %q", text)
	})
	t.step("sessions/delete", func(ctx context.Context) (string, error) {
		return "", sbx.Sessions.Delete(ctx, session.Name)
	})

	// Service accounts: the SDK has no typed call for them, so the tour uses its generic
	// Post and Delete, then a program that authenticates with the account's credentials.
	var account struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	t.step("service-accounts/create", func(ctx context.Context) (string, error) {
		body := map[string]string{"name": accountName, "description": "compat tour"}
		if err := client.Post(ctx, "service_accounts", body, &account); err != nil {
			return "", err
		}
		return "", expect(account.ClientID != "" && account.ClientSecret != "", "answer lacks client_id or client_secret")
	})
	t.step("service-accounts/client-credentials", func(ctx context.Context) (string, error) {
		return runClientCredentialsProgram(ctx, base64.StdEncoding.EncodeToString([]byte(account.ClientID+":"+account.ClientSecret)))
	})
	t.step("service-accounts/delete", func(ctx context.Context) (string, error) {
		return "", client.Delete(ctx, "service_accounts/"+account.ClientID, nil, nil)
	})

	// Volumes.
	t.step("volumes/create-get-list-delete", func(ctx context.Context) (string, error) {
		v, err := client.Volumes.NewInstance(ctx, blaxel.VolumeNewParams{Volume: blaxel.VolumeParam{
			Metadata: blaxel.MetadataParam{Name: volumeName, Labels: map[string]string{"tour": "go"}},
			Spec:     blaxel.VolumeSpecParam{Size: blaxel.Int(1024)},
		}})
		if err != nil {
			return "", err
		}
		got, err := client.Volumes.GetInstance(ctx, volumeName)
		if err != nil {
			return "", err
		}
		page, err := client.Volumes.ListInstances(ctx, blaxel.VolumeListParams{})
		if err != nil {
			return "", err
		}
		found := slices.ContainsFunc(page.Data, func(x *blaxel.VolumeInstance) bool { return x.Name() == volumeName })
		if err := client.Volumes.DeleteInstance(ctx, volumeName); err != nil {
			return "", err
		}
		return "", errors.Join(expect(v.Name() == volumeName, "named %s", v.Name()),
			expect(got.Size() == 1024, "size %d", got.Size()), expect(found, "not listed"))
	})

	// Jobs.
	var executionID string
	t.step("jobs/execute-wait", func(ctx context.Context) (string, error) {
		created, err := client.Jobs.Executions.New(ctx, jobName, blaxel.JobExecutionNewParams{
			CreateJobExecutionRequest: blaxel.CreateJobExecutionRequestParam{Tasks: []any{map[string]int{"n": 1}, map[string]int{"n": 2}}},
		})
		if err != nil {
			return "", err
		}
		executionID = created.ExecutionID
		if executionID == "" {
			executionID = created.ID
		}
		if executionID == "" {
			return "", errors.New("no execution id")
		}
		for {
			e, err := client.Jobs.Executions.Get(ctx, executionID, blaxel.JobExecutionGetParams{JobID: jobName})
			if err != nil {
				return "", err
			}
			switch e.Status {
			case blaxel.JobExecutionStatusSucceeded:
				return "execution " + executionID, nil
			case blaxel.JobExecutionStatusFailed, blaxel.JobExecutionStatusCancelled, blaxel.JobExecutionStatusTimeout:
				return "", fmt.Errorf("status %s, want succeeded", e.Status)
			}
			if err := pause(ctx, 250*time.Millisecond); err != nil {
				return "", fmt.Errorf("still %s: %w", e.Status, err)
			}
		}
	})
	t.step("jobs/list-executions", func(ctx context.Context) (string, error) {
		page, err := client.Jobs.Executions.List(ctx, jobName, blaxel.JobExecutionListParams{})
		if err != nil {
			return "", err
		}
		found := slices.ContainsFunc(page.Data, func(e blaxel.JobExecution) bool { return e.Metadata.ID == executionID })
		return "", expect(found, "%s not listed among %d", executionID, len(page.Data))
	})

	// Agents, once deployed.
	t.step("agents/deployed", func(ctx context.Context) (string, error) {
		return waitDeployed(ctx, func() (string, error) {
			a, err := client.Agents.Get(ctx, agentName, blaxel.AgentGetParams{})
			if err != nil {
				return "", err
			}
			return string(a.Status), nil
		})
	})
	t.step("agents/run (client.Run)", func(ctx context.Context) (string, error) {
		body, _ := json.Marshal(map[string]string{"inputs": "hi agent"})
		res, err := client.Run(ctx, workspace, "agents", agentName, http.MethodPost, "", body)
		return readAnswer(res, err, "hi agent")
	})
	t.step("agents/run (RunWithMetadata)", func(ctx context.Context) (string, error) {
		body, _ := json.Marshal(map[string]string{"inputs": "hi again"})
		res, err := client.RunWithMetadata(ctx, workspace, "agent", agentName, http.MethodPost, "", body)
		return readAnswer(res, err, "hi again")
	})

	// Functions and sandboxes as MCP servers.
	headers := map[string]string{
		"X-Blaxel-Authorization": "Bearer " + os.Getenv("BL_API_KEY"),
		"X-Blaxel-Workspace":     workspace,
	}
	t.step("functions/deployed", func(ctx context.Context) (string, error) {
		return waitDeployed(ctx, func() (string, error) {
			f, err := client.Functions.Get(ctx, fnName, blaxel.FunctionGetParams{})
			if err != nil {
				return "", err
			}
			return string(f.Status), nil
		})
	})
	t.step("functions/mcp-tools", func(ctx context.Context) (string, error) {
		f, err := client.Functions.Get(ctx, fnName, blaxel.FunctionGetParams{})
		if err != nil {
			return "", err
		}
		return useTools(ctx, f.Metadata.URL, headers, []string{"echo"}, "echo", map[string]any{"message": "hi tool"}, "hi tool")
	})
	t.step("sandboxes/mcp-tools", func(ctx context.Context) (string, error) {
		return useTools(ctx, sbx.Metadata.URL, headers, []string{"processExecute", "fsReadFile", "fsWriteFile", "fsListDirectory"},
			"fsReadFile", map[string]any{"path": dir + "/hello.txt"}, "hello from the tour")
	})

	// Cleanup, which is also a step of its own.
	t.step("sandboxes/delete", func(ctx context.Context) (string, error) {
		if err := sbx.Delete(ctx); err != nil {
			return "", err
		}
		_, err := client.Sandboxes.Get(ctx, boxName, blaxel.SandboxGetParams{})
		return "", expect(statusOf(err) == http.StatusNotFound, "get after delete: %v, want 404", err)
	})
	t.step("workloads/delete", func(ctx context.Context) (string, error) {
		_, err1 := client.Agents.Delete(ctx, agentName)
		_, err2 := client.Functions.Delete(ctx, fnName)
		_, err3 := client.Jobs.Delete(ctx, jobName)
		return "", errors.Join(err1, err2, err3)
	})
	return t.finish()
}

// statusOf returns the HTTP status of an error of the SDK, or 0.
func statusOf(err error) int {
	var apiErr *blaxel.Error
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
}

func pause(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// waitDeployed polls status until it answers DEPLOYED.
func waitDeployed(ctx context.Context, status func() (string, error)) (string, error) {
	for {
		s, err := status()
		if err != nil || s == "DEPLOYED" {
			return s, err
		}
		if err := pause(ctx, 200*time.Millisecond); err != nil {
			return "", fmt.Errorf("still %s: %w", s, err)
		}
	}
}

// readAnswer checks that a workload answered 200 with want in its body.
func readAnswer(res *http.Response, err error, want string) (string, error) {
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return "", err
	}
	return "", errors.Join(expect(res.StatusCode == http.StatusOK, "status %d: %s", res.StatusCode, body),
		expect(strings.Contains(string(body), want), "answer %s", body))
}

// useTools connects the SDK's MCP client to url, checks that it lists the tools wanted, and
// calls one of them.
func useTools(ctx context.Context, url string, headers map[string]string, wanted []string, tool string, args map[string]any, want string) (string, error) {
	if url == "" {
		return "", errors.New("no metadata.url to connect to")
	}
	c, err := mcp.NewMCPClientWithTransport(url, headers, mcp.TransportTypeHTTPStream)
	if err != nil {
		return "", err
	}
	defer c.Close()
	listed, err := c.ListTools(ctx)
	if err != nil {
		return "", err
	}
	var names []string
	for _, t := range listed.Tools {
		names = append(names, t.Name)
	}
	for _, w := range wanted {
		if !slices.Contains(names, w) {
			return "", fmt.Errorf("no %s among %v", w, names)
		}
	}
	result, err := c.CallTool(ctx, tool, args)
	if err != nil {
		return "", err
	}
	text, _ := json.Marshal(result)
	return fmt.Sprintf("%d tool(s)", len(names)), expect(strings.Contains(string(text), want), "result %s", text)
}

// runClientCredentialsProgram runs this program again with BL_CLIENT_CREDENTIALS in place of
// BL_API_KEY, as a program holding a service account's credentials runs.
func runClientCredentialsProgram(ctx context.Context, credentials string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, self, "-client-credentials")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BL_API_KEY=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "BL_CLIENT_CREDENTIALS="+credentials)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("the program with BL_CLIENT_CREDENTIALS failed: %s", strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), nil
}

// clientCredentialsProgram lists the sandboxes twice: the token from /oauth/token is fetched
// for the first request and checked for expiry before the second.
func clientCredentialsProgram() int {
	client, err := blaxel.NewDefaultClient()
	if err != nil {
		fmt.Println(err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var counts []int
	for range 2 {
		page, err := client.Sandboxes.ListInstances(ctx, blaxel.SandboxListParams{})
		if err != nil {
			fmt.Println(err)
			return 1
		}
		counts = append(counts, len(page.Data))
	}
	fmt.Printf("listed %d then %d sandbox(es) with a token from /oauth/token\n", counts[0], counts[1])
	return 0
}
