package io.istziio.server.store;

/**
 * One version of an object as the store reports it.
 *
 * @param etag identifies the content: a changed object has a different one
 * @param size the object's length in bytes
 */
public record ObjectVersion(String etag, long size) {}
