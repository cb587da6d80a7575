"""Venue-neutral simulator machinery: market, pacing, faults, send-time side channel, server plumbing."""
