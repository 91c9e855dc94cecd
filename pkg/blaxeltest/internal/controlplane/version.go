package controlplane

import (
	"fmt"
	"strings"
	"time"
)

const (
	// earliestVersion is the oldest API version served, and the one assumed when a request
	// sends no Blaxel-Version header.
	earliestVersion = "2026-04-16"
	// pagedVersion is the first version whose listings are pages ({data, meta}) rather than
	// bare arrays.
	pagedVersion = "2026-04-28"
)

// resolveVersion checks a Blaxel-Version header and returns the date of the version to answer
// as. The server accepts:
//   - no header: earliestVersion;
//   - YYYY-MM-DD from earliestVersion up to latest (the document's version); a date between two
//     releases answers as the release before it;
//   - YYYY-MM-DD.preview from earliestVersion on, any date: previews name versions to come.
//
// Anything else (another shape, an earlier date, a stable date after latest) is unknown.
func resolveVersion(header, latest string) (string, error) {
	if header == "" {
		return earliestVersion, nil
	}
	date, preview := strings.CutSuffix(header, ".preview")
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return "", fmt.Errorf("the version %q is not YYYY-MM-DD or YYYY-MM-DD.preview", header)
	}
	if date < earliestVersion {
		return "", fmt.Errorf("the version %q is older than the first version, %s", header, earliestVersion)
	}
	if !preview && date > latest {
		return "", fmt.Errorf("the version %q is unknown: the newest version is %s", header, latest)
	}
	return date, nil
}
