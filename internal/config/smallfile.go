package config

import (
	"fmt"
	"io"
	"os"
)

// maxConfigFile bounds the config File: Blaxel's CLI writes a few kilobytes.
const maxConfigFile = 1 << 20

// readSmallFile reads a file that must be a regular file of at most maxConfigFile bytes. A
// FIFO would block the read until someone writes to it, a device such as /dev/zero would
// never end, and a huge or sparse file would be read whole: each is refused before it is read.
// A missing file is an error that matches fs.ErrNotExist.
func readSmallFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := checkSmallFile(info); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// The file may have been replaced between the two looks: look again at the one opened.
	if info, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := checkSmallFile(info); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxConfigFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxConfigFile {
		return nil, fmt.Errorf("it holds more than %d bytes", maxConfigFile)
	}
	return data, nil
}

func checkSmallFile(info os.FileInfo) error {
	if !info.Mode().IsRegular() {
		return fmt.Errorf("it is not a regular file (%v)", info.Mode().Type())
	}
	if info.Size() > maxConfigFile {
		return fmt.Errorf("it is %d bytes long, more than the %d a config file may hold", info.Size(), maxConfigFile)
	}
	return nil
}
