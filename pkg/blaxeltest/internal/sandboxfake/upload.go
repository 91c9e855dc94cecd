package sandboxfake

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
)

// uploadForm streams the file part of a multipart/form-data PUT to storage. The permissions
// field counts only before the file part, unless QuirkPermissionsFirst is off.
func uploadForm(x *sbxCall, p string) {
	mr, err := x.multipartReader()
	if err != nil {
		x.fail(http.StatusBadRequest, "error reading multipart data: "+err.Error())
		return
	}
	abs := x.sb.abs(p)
	perm, late := fs.FileMode(0o644), fs.FileMode(0)
	wrote, lateGiven := false, false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			x.fail(http.StatusBadRequest, "error reading multipart part: "+err.Error())
			return
		}
		switch {
		case part.FormName() == "permissions" && part.FileName() == "":
			data, _ := io.ReadAll(io.LimitReader(part, 64))
			text := strings.TrimSpace(string(data))
			if text == "" {
				break
			}
			n, err := strconv.ParseUint(text, 8, 32)
			if err != nil {
				x.fail(http.StatusBadRequest, fmt.Sprintf("invalid permissions format '%s': %v", text, err))
				return
			}
			if wrote {
				late, lateGiven = fs.FileMode(n), true
			} else {
				perm = fs.FileMode(n)
			}
		case part.FormName() == "file" && part.FileName() != "" && !wrote:
			if err := x.sb.fs.writeFile(abs, part, perm); err != nil {
				x.fail(http.StatusUnprocessableEntity, "error writing binary file: "+err.Error())
				return
			}
			wrote = true
		}
		_ = part.Close()
	}
	if !wrote {
		x.fail(http.StatusBadRequest, "missing 'file' field in multipart form")
		return
	}
	if lateGiven && !x.host.cfg.Quirks.has(QuirkPermissionsFirst) {
		if err := x.sb.fs.chmod(abs, late); err != nil {
			x.fail(http.StatusUnprocessableEntity, "error writing binary file: "+err.Error())
			return
		}
	}
	x.success(p, "Binary file uploaded successfully")
}
