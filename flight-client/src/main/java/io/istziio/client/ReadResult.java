package io.istziio.client;

import io.istziio.client.protocol.ReadStats;
import io.istziio.ring.Member;

/**
 * How a read went.
 *
 * @param servedBy the node that finished the stream
 * @param rows rows delivered to the consumer
 * @param stats what that node said about its part of the read (null if it sent nothing)
 * @param failovers nodes that could not be reached (or broke off) before it
 */
public record ReadResult(Member servedBy, long rows, ReadStats stats, int failovers) {}
