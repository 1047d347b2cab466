@0x937c542d1c940c7b;

# A one-call interface for the Cap'n Proto smoke test.
interface Echo {
  echo @0 (text :Text) -> (reply :Text);
}
