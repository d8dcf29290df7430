// The stack's outputs are the ones the program returns.
import { seedWalkthrough } from "./program";

export = seedWalkthrough();
