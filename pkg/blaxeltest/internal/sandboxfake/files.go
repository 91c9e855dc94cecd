package sandboxfake

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// fileView is a file as the sandbox server describes it.
type fileView struct {
	Path         string    `json:"path"`
	Name         string    `json:"name"`
	Permissions  string    `json:"permissions"` // octal, e.g. "644"
	Size         int64     `json:"size"`
	LastModified time.Time `json:"lastModified"`
	Owner        string    `json:"owner"`
	Group        string    `json:"group"`
}

// fileWithContent is a file read in JSON mode: its name is always empty, as the real server
// leaves it.
type fileWithContent struct {
	fileView
	Content string `json:"content"`
}

type subdirView struct {
	Path string `json:"path"`
	Name string `json:"name"`
}

// dirView is one level of a directory.
type dirView struct {
	Path           string       `json:"path"`
	Name           string       `json:"name"`
	Files          []fileView   `json:"files"`
	Subdirectories []subdirView `json:"subdirectories"`
}

// owner is the user and group every file of a sandbox belongs to.
const owner = "root"

func viewOf(display string, info fileInfo, name string) fileView {
	return fileView{
		Path: display, Name: name, Permissions: fmt.Sprintf("%o", info.mode()), Size: info.size,
		LastModified: info.mtime.UTC(), Owner: owner, Group: owner,
	}
}

// getFile answers a directory's listing, or a file: as JSON with its contents in a string by
// default, as raw bytes (Range and conditional requests served) when Accept names
// application/octet-stream or another specific type, or with ?download=true.
func getFile(x *sbxCall) {
	p := x.fsParam()
	abs := x.sb.abs(p)
	info, err := x.sb.fs.stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		x.fail(http.StatusNotFound, err.Error())
	case err != nil:
		x.fail(http.StatusInternalServerError, err.Error())
	case info.dir:
		x.listDirectory(p, abs)
	case wantsDownload(x.r):
		x.download(p, abs)
	default:
		x.readFileJSON(p, abs)
	}
}

// wantsDownload is the server's choice between JSON and raw bytes for a file.
func wantsDownload(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	want := false
	if accept != "" {
		octet := strings.Contains(accept, "application/octet-stream")
		want = octet || (!strings.Contains(accept, "application/json") && !strings.Contains(accept, "*/*"))
	}
	return want || r.URL.Query().Get("download") == "true"
}

// listDirectory answers one level of a directory, paths shown as the request gave them.
func (x *sbxCall) listDirectory(p, abs string) {
	entries, err := x.sb.fs.list(abs)
	if err != nil {
		x.fail(http.StatusUnprocessableEntity, "error listing directory: "+err.Error())
		return
	}
	x.json(http.StatusOK, x.sb.dirView(p, entries))
}

func (sb *sandbox) dirView(p string, entries []fileInfo) dirView {
	display := sb.display(p)
	d := dirView{Path: display, Name: path.Base(display), Files: []fileView{}, Subdirectories: []subdirView{}}
	for _, e := range entries {
		name := path.Base(e.path)
		shown := path.Join(display, name)
		if e.dir {
			d.Subdirectories = append(d.Subdirectories, subdirView{Path: shown, Name: name})
		} else {
			d.Files = append(d.Files, viewOf(shown, e, name))
		}
	}
	return d
}

// download streams a file's bytes through http.ServeContent, as the real server does.
func (x *sbxCall) download(p, abs string) {
	r, info, err := x.sb.fs.open(abs)
	if err != nil {
		x.fail(http.StatusUnprocessableEntity, "error opening file: "+err.Error())
		return
	}
	defer r.Close()
	name := path.Base(p)
	x.w.passThrough()
	x.w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	x.w.Header().Set("Content-Type", contentTypeOf(name))
	http.ServeContent(x.w, x.r, name, info.mtime, r)
}

// contentTypeOf is the sandbox server's small table of types by extension.
func contentTypeOf(name string) string {
	switch path.Ext(name) {
	case ".txt", ".log":
		return "text/plain"
	case ".html", ".htm":
		return "text/html"
	case ".css":
		return "text/css"
	case ".js":
		return "application/javascript"
	case ".json":
		return "application/json"
	case ".xml":
		return "application/xml"
	case ".pdf":
		return "application/pdf"
	case ".zip":
		return "application/zip"
	case ".tar":
		return "application/x-tar"
	case ".gz":
		return "application/gzip"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".png":
		return "image/png"
	case ".gif":
		return "image/gif"
	case ".svg":
		return "image/svg+xml"
	}
	return "application/octet-stream"
}

// readFileJSON answers a file in JSON mode, its contents read whole into a string (binary
// contents do not survive it, as with the real server).
func (x *sbxCall) readFileJSON(p, abs string) {
	data, err := x.sb.fs.readFile(abs)
	if err != nil {
		x.fail(http.StatusUnprocessableEntity, "error reading file: "+err.Error())
		return
	}
	info, err := x.sb.fs.stat(abs)
	if err != nil {
		x.fail(http.StatusUnprocessableEntity, "error reading file: "+err.Error())
		return
	}
	x.json(http.StatusOK, fileWithContent{fileView: viewOf(x.sb.display(p), info, ""), Content: string(data)})
}

// fileRequest is the JSON body of a file's PUT.
type fileRequest struct {
	Content     string `json:"content"`
	IsDirectory bool   `json:"isDirectory"`
	Permissions string `json:"permissions"`
}

// putFile writes a file (or makes a directory) from JSON, or streams a binary upload sent as
// multipart/form-data.
func putFile(x *sbxCall) {
	p := x.fsParam()
	if strings.HasPrefix(x.r.Header.Get("Content-Type"), "multipart/form-data") {
		uploadForm(x, p)
		return
	}
	var req fileRequest
	if err := x.readJSON(&req); err != nil {
		x.fail(http.StatusBadRequest, err.Error())
		return
	}
	perm := fs.FileMode(0o644)
	if req.IsDirectory {
		perm = 0o755
	}
	if req.Permissions != "" {
		n, err := strconv.ParseUint(req.Permissions, 8, 32)
		if err != nil {
			x.fail(http.StatusBadRequest, fmt.Sprintf("invalid permissions format '%s': %v", req.Permissions, err))
			return
		}
		perm = fs.FileMode(n)
	}
	abs := x.sb.abs(p)
	if req.IsDirectory {
		if err := x.sb.fs.mkdirAll(abs, perm); err != nil {
			x.fail(http.StatusUnprocessableEntity, "error creating directory: "+err.Error())
			return
		}
		x.success(p, "Directory created successfully")
		return
	}
	if err := x.sb.fs.writeFile(abs, strings.NewReader(req.Content), perm); err != nil {
		x.fail(http.StatusUnprocessableEntity, "error writing file: "+err.Error())
		return
	}
	x.success(p, "File created/updated successfully")
}

// deleteFile removes a file, or a directory (with ?recursive=true when it is not empty).
func deleteFile(x *sbxCall) {
	p := x.fsParam()
	abs := x.sb.abs(p)
	info, err := x.sb.fs.stat(abs)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		x.fail(http.StatusUnprocessableEntity, err.Error())
		return
	}
	if err != nil {
		x.fail(http.StatusNotFound, "file or directory not found")
		return
	}
	if info.dir {
		if err := x.sb.fs.remove(abs, x.query("recursive") == "true"); err != nil {
			x.fail(http.StatusUnprocessableEntity, "error deleting directory: "+err.Error())
			return
		}
		x.success(p, "Directory deleted successfully")
		return
	}
	if err := x.sb.fs.remove(abs, false); err != nil {
		x.fail(http.StatusUnprocessableEntity, "error deleting file: "+err.Error())
		return
	}
	x.success(p, "File deleted successfully")
}

// treeRoot is the directory a tree route names: always absolute.
func (x *sbxCall) treeRoot() string { return treePath(x.params["path"]) }

// getTree lists one level of a directory (the tree routes are not recursive).
func getTree(x *sbxCall) {
	root := x.treeRoot()
	if info, err := x.sb.fs.stat(root); err != nil || !info.dir {
		x.fail(http.StatusBadRequest, "path is not a directory")
		return
	}
	x.listDirectory(root, root)
}

// treeRequest is the body of a tree's PUT: file paths below the root, and their contents.
type treeRequest struct {
	Files map[string]string `json:"files"`
}

// putTree writes text files below a directory, making it and their parents, and answers
// the directory's listing.
func putTree(x *sbxCall) {
	root := x.treeRoot()
	var req treeRequest
	if err := x.readJSON(&req); err != nil {
		x.fail(http.StatusBadRequest, err.Error())
		return
	}
	if err := x.sb.fs.mkdirAll(root, 0o755); err != nil {
		x.fail(http.StatusUnprocessableEntity, "error creating root directory: "+err.Error())
		return
	}
	for rel, content := range req.Files {
		if err := x.sb.fs.writeFile(path.Join(root, rel), strings.NewReader(content), 0o644); err != nil {
			x.fail(http.StatusUnprocessableEntity, "error writing file: "+err.Error())
			return
		}
	}
	x.listDirectory(root, root)
}

// deleteTree removes a directory (with ?recursive=true when it is not empty).
func deleteTree(x *sbxCall) {
	root := x.treeRoot()
	info, err := x.sb.fs.stat(root)
	if err == nil && !info.dir {
		err = errors.New("path points to a file, not a directory")
	}
	if err == nil {
		err = x.sb.fs.remove(root, x.query("recursive") == "true")
	}
	if err != nil {
		x.fail(http.StatusUnprocessableEntity, "error deleting directory: "+err.Error())
		return
	}
	x.success(root, "Directory deleted successfully")
}
