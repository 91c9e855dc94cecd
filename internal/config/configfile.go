package config

import (
	"github.com/blaxel-go/blaxel/internal/pipeline"

	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// configFile is the part of Blaxel's ~/.blaxel/config.yaml that the client reads.
type configFile struct {
	Context struct {
		Workspace string `yaml:"workspace"`
	} `yaml:"context"`
	Workspaces []configWorkspace `yaml:"workspaces"`
}

type configWorkspace struct {
	Name        string            `yaml:"name"`
	Env         string            `yaml:"env"`
	Credentials configCredentials `yaml:"credentials"`
}

// configCredentials holds the credentials the client can use. The file also has expires_in
// and device_code, which it does not need (a token's own exp claim says when it expires), so
// it does not read them and a value of an unexpected type there is no reason to fail.
type configCredentials struct {
	APIKey            string `yaml:"apiKey"`
	AccessToken       string `yaml:"access_token"`
	RefreshToken      string `yaml:"refresh_token"`
	ClientCredentials string `yaml:"client_credentials"`
}

// readConfigFile parses the file at path. A missing file gives (nil, nil).
func readConfigFile(path string) (*configFile, error) {
	data, err := readSmallFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("blaxel: reading %s: %w", path, err)
	}
	var f configFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("blaxel: parsing %s: %w", path, err)
	}
	return &f, nil
}

// layer is what the file says about one workspace: its platform and its credential, the
// API key first, then the access token (with its refresh token), then the client credentials.
func (f *configFile) layer(path, workspace string) Layer {
	l := Layer{name: path}
	if f == nil {
		return l
	}
	var ws *configWorkspace
	for i := range f.Workspaces {
		if f.Workspaces[i].Name == workspace {
			ws = &f.Workspaces[i]
			break
		}
	}
	if ws == nil {
		return l
	}
	if ws.Env != "" {
		if _, _, ok := EnvironmentURLs(ws.Env); ok {
			l.Env = ws.Env
		} else {
			l.envErr = fmt.Errorf("blaxel: %s: workspace %q: env %q is neither \"prod\" nor \"dev\"", path, workspace, ws.Env)
		}
	}
	c := ws.Credentials
	from := path + " (workspace " + workspace + ")"
	switch {
	case c.APIKey != "":
		l.Credential = pipeline.CredentialSpec{Kind: pipeline.CredAPIKey, APIKey: c.APIKey, From: from + " apiKey"}
	case c.AccessToken != "":
		l.Credential = pipeline.CredentialSpec{Kind: pipeline.CredTokens, AccessToken: c.AccessToken, RefreshToken: c.RefreshToken,
			From: from + " access_token", File: path, FileWorkspace: workspace}
	case c.ClientCredentials != "":
		id, secret, err := parseClientCredentials(c.ClientCredentials)
		l.Credential = pipeline.CredentialSpec{Kind: pipeline.CredClientCredentials, ClientID: id, ClientSecret: secret, From: from + " client_credentials"}
		if err != nil {
			l.credentialErr = fmt.Errorf("blaxel: %s: workspace %q: client_credentials: %w", path, workspace, err)
		}
	}
	return l
}

// writeBackTokens stores a refreshed token pair in the workspace's entry of the file at path.
// It edits the parsed document, so that every other key and comment stays, and replaces the
// file atomically (a temporary file renamed over it) with mode 0600; when path is a symbolic
// link, the file it points to is replaced, and the link stays. A file that does not parse,
// holds more than one YAML document, or has no entry for the workspace, is left as it is.
func writeBackTokens(path, workspace, accessToken, refreshToken string, expiresIn int64) error {
	data, err := readSmallFile(path)
	if err != nil {
		return fmt.Errorf("blaxel: writing tokens back to %s: %w", path, err)
	}
	var doc, next yaml.Node
	var parsed configFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("blaxel: not writing tokens back to %s: it does not parse: %w", path, err)
	}
	// Only the first document would be written back: the others would be lost.
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return fmt.Errorf("blaxel: not writing tokens back to %s: it holds more than one YAML document", path)
	}
	if err := doc.Decode(&parsed); err != nil {
		return fmt.Errorf("blaxel: not writing tokens back to %s: it does not parse: %w", path, err)
	}
	creds, err := credentialsNode(&doc, workspace)
	if err != nil {
		return fmt.Errorf("blaxel: not writing tokens back to %s: %w", path, err)
	}
	setScalar(creds, "access_token", accessToken, "!!str")
	if refreshToken != "" {
		setScalar(creds, "refresh_token", refreshToken, "!!str")
	}
	if expiresIn > 0 {
		setScalar(creds, "expires_in", strconv.FormatInt(expiresIn, 10), "!!int")
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return fmt.Errorf("blaxel: writing tokens back to %s: %w", path, err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("blaxel: writing tokens back to %s: %w", path, err)
	}
	return replaceFile(path, out.Bytes())
}

// credentialsNode finds workspaces[name == workspace].credentials, adding the mapping if the
// entry has none.
func credentialsNode(doc *yaml.Node, workspace string) (*yaml.Node, error) {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("it is not a mapping")
	}
	list := mappingValue(doc.Content[0], "workspaces")
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil, errors.New("it has no workspaces list")
	}
	for _, ws := range list.Content {
		if ws.Kind != yaml.MappingNode {
			continue
		}
		if name := mappingValue(ws, "name"); name == nil || name.Value != workspace {
			continue
		}
		creds := mappingValue(ws, "credentials")
		if creds == nil {
			creds = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			ws.Content = append(ws.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "credentials"}, creds)
		}
		if creds.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("workspace %q: credentials is not a mapping", workspace)
		}
		return creds, nil
	}
	return nil, fmt.Errorf("it has no workspace %q", workspace)
}

func mappingValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func setScalar(m *yaml.Node, key, value, tag string) {
	if v := mappingValue(m, key); v != nil {
		*v = yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
		return
	}
	m.Content = append(m.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key},
		&yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value})
}

// replaceFile writes data next to the file path names (through any symbolic links) and renames
// it over that file, so a reader sees either the old file or the new one, never half of one,
// and a link stays a link.
func replaceFile(path string, data []byte) (err error) {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("blaxel: writing tokens back to %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".*.tmp")
	if err != nil {
		return fmt.Errorf("blaxel: writing tokens back to %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("blaxel: writing tokens back to %s: %w", path, err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("blaxel: writing tokens back to %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("blaxel: writing tokens back to %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("blaxel: writing tokens back to %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("blaxel: writing tokens back to %s: %w", path, err)
	}
	return nil
}
