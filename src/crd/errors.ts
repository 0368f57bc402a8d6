import { UsageError } from '../errors.js';

/** A resource the API server or the controller would refuse: rendering stops, as the MCO's sync does. */
export class CrdError extends UsageError {}
