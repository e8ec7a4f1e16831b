// Copyright 2017 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package argon2id is golang.org/x/crypto/argon2 (v0.58.0), cut down to Argon2id and changed in one way:
// the caller owns the working memory and reuses it between hashes.
//
// x/crypto allocates the whole memory cost (19 MiB at our defaults) on every call, and the runtime then
// zeroes it, faults it in page by page and collects it again. In a login storm profile that was a quarter
// of the server's CPU, next to the hash itself. The upstream proposal to let callers pass a buffer
// (golang/go#36634) is still open, and no maintained Go module offers it, so this fork keeps the upstream
// code (the SSE assembly is copied byte for byte) and changes only who allocates. Because the first pass
// overwrites every block instead of XOR-ing into zeroed memory, a reused buffer needs no clearing. The
// tests check the output against x/crypto for many parameter sets on one reused, dirty buffer.
package argon2id

import (
	"encoding/binary"
	"sync"

	"golang.org/x/crypto/blake2b"
)

// Version is the Argon2 version implemented by this package.
const Version = 0x13

// argon2id is the type number hashed into H0 (0 = Argon2d, 1 = Argon2i).
const argon2id = 2

const (
	blockLength = 128
	syncPoints  = 4
)

type block [blockLength]uint64

// Buffer is the working memory of one hash. A Buffer must not be used by two hashes at once; it grows to
// the largest memory cost it has served and keeps that memory, so reuse it only for bounded costs.
//
// On Unix the memory is mapped outside the Go heap (see mem_unix.go): a buffer lives as long as the
// process and holds no pointers, and inside the heap it would only count towards the live set the
// collector sizes its next goal from, letting the rest of the heap grow by as much again.
type Buffer struct {
	blocks []block
}

// Key derives a keyLen-byte key from password and salt with Argon2id, exactly as x/crypto's
// argon2.IDKey(password, salt, time, memory, threads, keyLen) does, using buf as working memory.
// memory is in KiB. time and threads must be at least 1.
func (buf *Buffer) Key(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	if time < 1 {
		panic("argon2id: number of rounds too small")
	}
	if threads < 1 {
		panic("argon2id: parallelism degree too low")
	}
	h0 := initHash(password, salt, time, memory, uint32(threads), keyLen)

	memory = memory / (syncPoints * uint32(threads)) * (syncPoints * uint32(threads))
	if memory < 2*syncPoints*uint32(threads) {
		memory = 2 * syncPoints * uint32(threads)
	}
	if uint32(cap(buf.blocks)) < memory {
		_ = free(buf.blocks) // cannot fail: the blocks are alloc's
		buf.blocks = nil     // if alloc panics, the buffer must not keep the freed memory
		buf.blocks = alloc(int(memory))
	}
	B := buf.blocks[:memory]
	initBlocks(B, &h0, memory, uint32(threads))
	processBlocks(B, time, memory, uint32(threads))
	return extractKey(B, memory, uint32(threads), keyLen)
}

func initHash(password, salt []byte, time, memory, threads, keyLen uint32) [blake2b.Size + 8]byte {
	var (
		h0     [blake2b.Size + 8]byte
		params [24]byte
		tmp    [4]byte
	)

	b2, _ := blake2b.New512(nil)
	binary.LittleEndian.PutUint32(params[0:4], threads)
	binary.LittleEndian.PutUint32(params[4:8], keyLen)
	binary.LittleEndian.PutUint32(params[8:12], memory)
	binary.LittleEndian.PutUint32(params[12:16], time)
	binary.LittleEndian.PutUint32(params[16:20], uint32(Version))
	binary.LittleEndian.PutUint32(params[20:24], uint32(argon2id))
	b2.Write(params[:])
	binary.LittleEndian.PutUint32(tmp[:], uint32(len(password)))
	b2.Write(tmp[:])
	b2.Write(password)
	binary.LittleEndian.PutUint32(tmp[:], uint32(len(salt)))
	b2.Write(tmp[:])
	b2.Write(salt)
	// No secret key and no associated data: their lengths are hashed as zero.
	binary.LittleEndian.PutUint32(tmp[:], 0)
	b2.Write(tmp[:])
	b2.Write(tmp[:])
	b2.Sum(h0[:0])
	return h0
}

func initBlocks(B []block, h0 *[blake2b.Size + 8]byte, memory, threads uint32) {
	var block0 [1024]byte
	for lane := uint32(0); lane < threads; lane++ {
		j := lane * (memory / threads)
		binary.LittleEndian.PutUint32(h0[blake2b.Size+4:], lane)

		binary.LittleEndian.PutUint32(h0[blake2b.Size:], 0)
		blake2bHash(block0[:], h0[:])
		for i := range B[j+0] {
			B[j+0][i] = binary.LittleEndian.Uint64(block0[i*8:])
		}

		binary.LittleEndian.PutUint32(h0[blake2b.Size:], 1)
		blake2bHash(block0[:], h0[:])
		for i := range B[j+1] {
			B[j+1][i] = binary.LittleEndian.Uint64(block0[i*8:])
		}
	}
}

func processBlocks(B []block, time, memory, threads uint32) {
	lanes := memory / threads
	segments := lanes / syncPoints

	processSegment := func(n, slice, lane uint32) {
		var addresses, in, zero block
		dataIndependent := n == 0 && slice < syncPoints/2
		if dataIndependent {
			in[0] = uint64(n)
			in[1] = uint64(lane)
			in[2] = uint64(slice)
			in[3] = uint64(memory)
			in[4] = uint64(time)
			in[5] = uint64(argon2id)
		}

		index := uint32(0)
		if n == 0 && slice == 0 {
			index = 2 // we have already generated the first two blocks
			in[6]++
			processBlock(&addresses, &in, &zero)
			processBlock(&addresses, &addresses, &zero)
		}

		offset := lane*lanes + slice*segments + index
		var random uint64
		for index < segments {
			prev := offset - 1
			if index == 0 && slice == 0 {
				prev += lanes // last block in lane
			}
			if dataIndependent {
				if index%blockLength == 0 {
					in[6]++
					processBlock(&addresses, &in, &zero)
					processBlock(&addresses, &addresses, &zero)
				}
				random = addresses[index%blockLength]
			} else {
				random = B[prev][0]
			}
			newOffset := indexAlpha(random, lanes, segments, threads, n, slice, lane, index)
			// Version 1.3 XORs a new block into the old one on later passes. On the first pass x/crypto
			// XORs into freshly zeroed memory; overwriting gives the same block without needing a clean buffer.
			if n == 0 {
				processBlock(&B[offset], &B[prev], &B[newOffset])
			} else {
				processBlockXOR(&B[offset], &B[prev], &B[newOffset])
			}
			index, offset = index+1, offset+1
		}
	}

	for n := uint32(0); n < time; n++ {
		for slice := uint32(0); slice < syncPoints; slice++ {
			if threads == 1 {
				processSegment(n, slice, 0)
				continue
			}
			var wg sync.WaitGroup
			for lane := uint32(0); lane < threads; lane++ {
				wg.Go(func() { processSegment(n, slice, lane) })
			}
			wg.Wait()
		}
	}
}

func extractKey(B []block, memory, threads, keyLen uint32) []byte {
	lanes := memory / threads
	for lane := uint32(0); lane < threads-1; lane++ {
		for i, v := range B[(lane*lanes)+lanes-1] {
			B[memory-1][i] ^= v
		}
	}

	var block [1024]byte
	for i, v := range B[memory-1] {
		binary.LittleEndian.PutUint64(block[i*8:], v)
	}
	key := make([]byte, keyLen)
	blake2bHash(key, block[:])
	return key
}

func indexAlpha(rand uint64, lanes, segments, threads, n, slice, lane, index uint32) uint32 {
	refLane := uint32(rand>>32) % threads
	if n == 0 && slice == 0 {
		refLane = lane
	}
	m, s := 3*segments, ((slice+1)%syncPoints)*segments
	if lane == refLane {
		m += index
	}
	if n == 0 {
		m, s = slice*segments, 0
		if slice == 0 || lane == refLane {
			m += index
		}
	}
	if index == 0 || lane == refLane {
		m--
	}
	return phi(rand, uint64(m), uint64(s), refLane, lanes)
}

func phi(rand, m, s uint64, lane, lanes uint32) uint32 {
	p := rand & 0xFFFFFFFF
	p = (p * p) >> 32
	p = (p * m) >> 32
	return lane*lanes + uint32((s+m-(p+1))%uint64(lanes))
}
