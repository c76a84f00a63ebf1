/*
 * The read path's handshake with writers, and the read rings' drain, as CacheShard, ShardLock and
 * ReadStripe do them (Sources/Theine/Concurrency), checked by SPIN over every interleaving.
 *
 * Processes: a reader that owns stripe 0 (plain loads and stores of its counters), two readers
 * sharing stripe 1 (compare-and-swap and atomic increments), and a writer. Each reader looks up
 * HITS times: counted in through its stripe, it reads the table only if no writer is active (else
 * it counts itself out and takes the exclusive path, as getExclusively does); a hit reserves a
 * ring position and stores its slot there, or is counted dropped; a reader that fills its ring
 * tries to drain every ring (tryLockForDraining). The writer takes the lock (raising the writer
 * flag), waits out a drain in progress and the readers inside, drains the rings, and then frees
 * or refills a slot. OWNER_LOOKUPS, SHARER_LOOKUPS and WRITES set how many of each (compile-time
 * macros: spin -DWRITES=2 ...).
 *
 * The model is sequentially consistent, as SPIN is. The Swift code's operations of the handshake
 * are sequentially consistent too (the enter increment, the writer's compare-and-swap, both flags'
 * loads, the readers' counts read by the writer); the others are releases and acquires that only
 * publish (leaving, unlocking, a ring slot before its tail) or relaxed counters. What weak memory
 * could add beyond this model (ARM) is not checked: see the design notes.
 *
 * Checked: (1) a writer excludes readers in the table, drainers and other writers, and a drainer
 * excludes writers; (2) every hit is counted once, kept or dropped, and the stats add up at the
 * end; (3) every slot handed to the policy is live (no freed slot is read back from a ring), and
 * a writer finds every ring empty before it frees a slot.
 */

#define STRIPES 2
#define CAP 2          /* ring slots (32 in the code; 2 reaches the ringIsFull ring and the drops) */
#define SLOTS 2
#ifndef OWNER_LOOKUPS
#define OWNER_LOOKUPS 2   /* lookups by the stripe 0 owner */
#endif
#ifndef SHARER_LOOKUPS
#define SHARER_LOOKUPS 2  /* lookups by each of the two readers of stripe 1 */
#endif
#ifndef WRITES
#define WRITES 1
#endif

bool writing;
bool draining;
byte readers[STRIPES];
byte tail[STRIPES];
byte head[STRIPES];
byte dropped[STRIPES];
byte ring[STRIPES * CAP];  /* the slot plus one, 0 where none is stored */
bool live[SLOTS];

/* Ghosts: who is inside, and what happened. */
byte readersInTable;
byte writersInside;
byte drainersInside;
byte hitsOnTheReadPath;    /* every hit a reader's lookup found without the lock */
byte hitsUnderTheLock;     /* counted by the state, as getExclusively's are */
byte drainedSlots;

inline drainRing(stripe) {
  position = head[stripe];
  end = tail[stripe];
  do
  :: position < end && ring[stripe * CAP + position % CAP] != 0 ->
     stored = ring[stripe * CAP + position % CAP];
     assert(live[stored - 1]);
     ring[stripe * CAP + position % CAP] = 0;
     drainedSlots++;
     position++
  :: else -> break
  od;
  head[stripe] = position;
  position = 0;
  end = 0;
  stored = 0
}

inline drainEveryRing() {
  drainRing(0);
  drainRing(1)
}

inline lockForWriting() {
  atomic { !writing -> writing = true };   /* the compare-and-swap, retried until it succeeds */
  !draining;                                /* waitForDrainer */
  readers[0] == 0;                          /* beginExclusiveAccess: wait for each stripe */
  readers[1] == 0;
  drainEveryRing()
}

inline unlockWriting() {
  writing = false
}

inline tryToDrain() {
  if
  :: atomic { !draining -> draining = true };
     if
     :: writing -> draining = false        /* a writer holds the lock: back off */
     :: else ->
        drainersInside++;
        assert(writersInside == 0);
        drainEveryRing();
        drainersInside--;
        draining = false
     fi
  :: else -> skip                           /* another drainer: leave it */
  fi
}

proctype Reader(byte stripe; bool owned; byte lookupCount) {
  byte lookups = 0;
  byte slot, reserved, waiting, position, end, stored;
  bool kept, ringIsFull;
  do
  :: lookups < lookupCount ->
     lookups++;
     d_step { readers[stripe]++ };          /* enter: sequentially consistent increment */
     if
     :: !writing ->
        readersInTable++;
        assert(writersInside == 0);
        if
        :: live[0] -> slot = 0
        :: live[1] -> slot = 1
        :: else -> slot = SLOTS               /* a miss */
        fi;
        if
        :: slot < SLOTS ->
           assert(live[slot]);
           hitsOnTheReadPath++;
           /* recordHit */
           reserved = tail[stripe];
           waiting = reserved - head[stripe];
           kept = false;
           if
           :: waiting < CAP && owned -> kept = true
           :: waiting < CAP && !owned ->
              atomic {
                if
                :: tail[stripe] == reserved -> tail[stripe] = reserved + 1; kept = true
                :: else -> skip
                fi
              }
           :: else -> skip
           fi;
           if
           :: kept && owned ->
              ring[stripe * CAP + reserved % CAP] = slot + 1;
              tail[stripe] = reserved + 1
           :: kept && !owned ->
              ring[stripe * CAP + reserved % CAP] = slot + 1
           :: else ->
              if
              :: owned -> dropped[stripe] = dropped[stripe] + 1   /* the owner's plain store */
              :: else -> d_step { dropped[stripe]++ }
              fi
           fi;
           ringIsFull = (waiting + 1 >= CAP)
        :: else -> ringIsFull = false
        fi;
        d_step { slot = 0; reserved = 0; waiting = 0; kept = false };
        readersInTable--;
        d_step { readers[stripe]-- };       /* leave */
        if
        :: ringIsFull -> ringIsFull = false; tryToDrain()
        :: else -> skip
        fi
     :: else ->
        d_step { readers[stripe]-- };
        /* getExclusively */
        lockForWriting();
        writersInside++;
        assert(writersInside == 1 && readersInTable == 0 && drainersInside == 0);
        if
        :: live[0] || live[1] -> hitsUnderTheLock++
        :: else -> skip
        fi;
        writersInside--;
        unlockWriting()
     fi
  :: else -> break
  od
}

proctype Writer() {
  byte writes = 0;
  byte position, end, stored, index;
  do
  :: writes < WRITES ->
     writes++;
     lockForWriting();
     writersInside++;
     assert(writersInside == 1 && readersInTable == 0 && drainersInside == 0);
     /* Every ring is empty: no slot it frees can be handed to the policy later. */
     index = 0;
     do
     :: index < STRIPES * CAP -> assert(ring[index] == 0); index++
     :: else -> break
     od;
     index = 0;
     if
     :: live[0] = !live[0]
     :: live[1] = !live[1]
     fi;
     writersInside--;
     unlockWriting()
  :: else -> break
  od
}

init {
  live[0] = true;
  live[1] = true;
  atomic {
    run Reader(0, true, OWNER_LOOKUPS);
    run Reader(1, false, SHARER_LOOKUPS);
    run Reader(1, false, SHARER_LOOKUPS);
    run Writer()
  };
  _nr_pr == 1;
  /* The stats: every hit on the read path counted once, kept or dropped. */
  assert(tail[0] + dropped[0] + tail[1] + dropped[1] == hitsOnTheReadPath);
  assert(readers[0] == 0 && readers[1] == 0 && !writing && !draining)
}
