package sandbox

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/blaxel-go/blaxel/gen/sandboxapi"
)

// Drives lists the drives mounted in the sandbox and where (ListDriveMounts).
func (s *Sandbox) Drives(ctx context.Context) ([]sandboxapi.DriveMountInfo, error) {
	resp, err := s.api.ListDriveMountsWithResponse(ctx)
	if err != nil {
		return nil, err
	}
	list, err := json200(s.p.Redact, resp.JSON200, resp.HTTPResponse, resp.Body)
	if err != nil {
		return nil, err
	}
	return list.Mounts, nil
}

// MountDrive mounts a drive of the workspace in the sandbox (MountDrive): req.DriveName at
// req.MountPath, an absolute path, optionally only req.DrivePath of it, read-only, or with a
// local uid and gid mapped to the drive's owner. Something mounted at the path already is a
// *blaxel.APIError matching blaxel.ErrConflict. A mount is not sent twice: after an ambiguous
// failure, Drives tells whether it took.
func (s *Sandbox) MountDrive(ctx context.Context, req sandboxapi.DriveMountRequest) (*sandboxapi.DriveMountResponse, error) {
	if strings.TrimSpace(req.DriveName) == "" {
		return nil, errors.New("blaxel: MountDrive: the drive name is empty")
	}
	mp, err := mountPath("MountDrive", req.MountPath)
	if err != nil {
		return nil, err
	}
	req.MountPath = mp
	resp, err := s.api.MountDriveWithResponse(ctx, req)
	if err != nil {
		return nil, err
	}
	out, err := json200(s.p.Redact, resp.JSON200, resp.HTTPResponse, resp.Body)
	if err != nil {
		return nil, err
	}
	if out.Success != nil && !*out.Success {
		return out, s.streamError(resp.HTTPResponse.Request, "MountDrive: the sandbox did not mount the drive: "+deref(out.Message))
	}
	return out, nil
}

// UnmountDrive unmounts the drive mounted at mountPath (UnmountDrive).
func (s *Sandbox) UnmountDrive(ctx context.Context, mountPathName string) error {
	mp, err := mountPath("UnmountDrive", mountPathName)
	if err != nil {
		return err
	}
	resp, err := s.api.UnmountDriveWithResponse(ctx, mp)
	if err != nil {
		return err
	}
	out, err := json200(s.p.Redact, resp.JSON200, resp.HTTPResponse, resp.Body)
	if err != nil {
		return err
	}
	if out.Success != nil && !*out.Success {
		return s.streamError(resp.HTTPResponse.Request, "UnmountDrive: the sandbox did not unmount "+mp+": "+deref(out.Message))
	}
	return nil
}

// mountPath checks a mount point: absolute, below the root, without "..", cleaned.
func mountPath(op, p string) (string, error) {
	switch {
	case !strings.HasPrefix(p, "/"):
		return "", fmt.Errorf("blaxel: %s: the mount path %q is not absolute", op, p)
	case strings.Contains(p, ".."):
		return "", fmt.Errorf("blaxel: %s: the mount path %q climbs with \"..\" segments", op, p)
	case strings.IndexByte(p, 0) >= 0:
		return "", fmt.Errorf("blaxel: %s: the mount path %q contains a NUL byte", op, p)
	}
	clean := path.Clean(p)
	if clean == "/" {
		return "", fmt.Errorf("blaxel: %s: the root cannot be a mount path", op)
	}
	return clean, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
