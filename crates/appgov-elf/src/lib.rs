//! Native library facts: machine, needed libraries, hardening bits and page alignment.
