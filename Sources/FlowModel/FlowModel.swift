// The reverse-QE model of MODEL.md is built here (issue 3).
import Solvers
