/** The protocol a worker names in Describe and its manifest: the proto package it speaks. */
export const PLUGIN_PROTOCOL = "credvend.plugin.v1";
