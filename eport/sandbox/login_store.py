"""State of the sandbox's fake CAS: registered cards, challenges, tickets and sessions (``login.sqlite3``).

PINs are stored only as salted PBKDF2-SHA256 hashes (never the PIN), compared in constant time. The store counts
wrong PINs per card and locks the card at ``max_failures``; a locked card changes nothing any more (no counter, no
challenge use, no session) until the card centre unlocks it (:meth:`LoginStore.unlock`, PIN back to 88888888).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import time
from pathlib import Path

import attrs

from eport.sandbox.sqlite import SqliteFile

#: PBKDF2 rounds of the stored PIN hashes (a sandbox: enough to keep the PIN out of reach of a glance).
PIN_HASH_ROUNDS = 50_000
#: The PIN a card gets back after the card centre unlocks it.
FACTORY_DEFAULT_PIN = "88888888"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cards (
    card_id TEXT PRIMARY KEY, holder_name TEXT NOT NULL,
    id_number TEXT NOT NULL, enterprise_code TEXT NOT NULL, enterprise_name TEXT NOT NULL,
    pin_salt BLOB NOT NULL, pin_hash BLOB NOT NULL, failures INTEGER NOT NULL DEFAULT 0,
    locked INTEGER NOT NULL DEFAULT 0, blacklisted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS card_certs (
    cert_no TEXT PRIMARY KEY, card_id TEXT NOT NULL REFERENCES cards (card_id), cert_der BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS challenges (
    random TEXT PRIMARY KEY, lt TEXT NOT NULL, execution TEXT NOT NULL, server_date TEXT NOT NULL,
    created REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS tickets (
    ticket TEXT PRIMARY KEY, card_id TEXT NOT NULL, service TEXT NOT NULL, created REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY, kind TEXT NOT NULL, card_id TEXT NOT NULL, expires REAL NOT NULL);
"""


def hash_pin(pin: str, salt: bytes) -> bytes:
    """PBKDF2-SHA256 of a PIN (the only form a PIN is stored in)."""
    return hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), salt, PIN_HASH_ROUNDS)


@attrs.frozen(kw_only=True)
class CardRecord:
    """A card registered with the fake CAS (the card centre's view): identity, certificate, lock state."""

    card_id: str
    holder_name: str
    id_number: str = attrs.field(repr=False)
    enterprise_code: str
    enterprise_name: str
    failures: int
    locked: bool
    blacklisted: bool


@attrs.frozen(kw_only=True)
class SessionRecord:
    """A live session (``TGC`` or service ``JSESSIONID``) and its card."""

    kind: str
    card: CardRecord
    expires: float


class LoginStore:
    """The fake CAS's state.

    Args:
        path: the SQLite file.
        max_failures: wrong PINs before a card locks.
        session_ttl: seconds a service session lives.
        challenge_ttl: seconds a challenge (random/lt) stays usable.
        ticket_ttl: seconds a service ticket stays usable.
    """

    def __init__(
        self,
        path: Path,
        *,
        max_failures: int = 5,
        session_ttl: float = 1800.0,
        challenge_ttl: float = 300.0,
        ticket_ttl: float = 60.0,
    ) -> None:
        self.db = SqliteFile(path, _SCHEMA)
        self.max_failures = max_failures
        self.session_ttl = session_ttl
        self.challenge_ttl = challenge_ttl
        self.ticket_ttl = ticket_ttl

    def close(self) -> None:
        """Close the file."""
        self.db.close()

    # --------------------------------------------------------------------------------------------- cards
    def register(
        self,
        *,
        card_id: str,
        certificates: dict[str, bytes],
        pin: str,
        holder_name: str,
        id_number: str,
        enterprise_code: str,
        enterprise_name: str,
        blacklisted: bool = False,
        replace: bool = False,
    ) -> bool:
        """Register a card with its certificates (``{cert_no: DER}``), hashing its PIN; return False when the card
        exists and ``replace`` is false."""
        salt = secrets.token_bytes(16)
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        with self.db.transaction() as db:
            cursor = db.execute(
                f"{verb} INTO cards (card_id, holder_name, id_number, enterprise_code,"
                " enterprise_name, pin_salt, pin_hash, failures, locked, blacklisted)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?)",
                (card_id, holder_name, id_number, enterprise_code, enterprise_name, salt, hash_pin(pin, salt),
                 int(blacklisted)),
            )  # fmt: skip
            if cursor.rowcount == 0:
                return False
            db.execute("DELETE FROM card_certs WHERE card_id = ?", (card_id,))
            for cert_no, der in certificates.items():
                db.execute(
                    "INSERT OR REPLACE INTO card_certs (cert_no, card_id, cert_der) VALUES (?, ?, ?)",
                    (cert_no, card_id, der),
                )
            return True

    def certificate(self, card_id: str, cert_no: str) -> bytes | None:
        """The DER of certificate ``cert_no`` when it belongs to ``card_id``, else None."""
        rows = self.db.query(
            "SELECT cert_der FROM card_certs WHERE cert_no = ? AND card_id = ?", (cert_no.lower(), card_id)
        )
        return bytes(rows[0]["cert_der"]) if rows else None

    def card(self, card_id: str) -> CardRecord | None:
        """A registered card, or None."""
        rows = self.db.query("SELECT * FROM cards WHERE card_id = ?", (card_id,))
        return _card(rows[0]) if rows else None

    def check_pin(self, card_id: str, pin: str) -> tuple[str, int]:
        """Check a PIN and count: ``("ok", tries)``, ``("wrong", tries_left)``, ``("locked", 0)``.

        A locked card is not counted further; the N-th wrong PIN locks it.
        """
        with self.db.transaction() as db:
            row = db.execute("SELECT pin_salt, pin_hash, failures, locked FROM cards WHERE card_id = ?", (card_id,))
            found = row.fetchone()
            if found is None:
                return "unknown", 0
            if found["locked"]:
                return "locked", 0
            if hmac.compare_digest(hash_pin(pin, found["pin_salt"]), found["pin_hash"]):
                db.execute("UPDATE cards SET failures = 0 WHERE card_id = ?", (card_id,))
                return "ok", self.max_failures
            failures = found["failures"] + 1
            locked = failures >= self.max_failures
            db.execute("UPDATE cards SET failures = ?, locked = ? WHERE card_id = ?", (failures, int(locked), card_id))
            return ("locked", 0) if locked else ("wrong", self.max_failures - failures)

    def unlock(self, card_id: str) -> bool:
        """The card centre's unlock: counter cleared, PIN back to the factory default. False if unknown."""
        salt = secrets.token_bytes(16)
        with self.db.transaction() as db:
            cursor = db.execute(
                "UPDATE cards SET failures = 0, locked = 0, pin_salt = ?, pin_hash = ? WHERE card_id = ?",
                (salt, hash_pin(FACTORY_DEFAULT_PIN, salt), card_id),
            )
            return cursor.rowcount > 0

    # --------------------------------------------------------------------------------------------- challenges
    def new_challenge(self) -> dict[str, str]:
        """A fresh challenge: ``random``, ``lt``, ``execution``, ``serverDate``."""
        now = time.time()
        values = {
            "random": secrets.token_hex(16),
            "lt": f"LT-{int(now)}-{secrets.token_urlsafe(18)}-sandbox",
            "execution": secrets.token_urlsafe(48),
            "serverDate": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now)),
        }
        with self.db.transaction() as db:
            db.execute(
                "INSERT INTO challenges (random, lt, execution, server_date, created) VALUES (?, ?, ?, ?, ?)",
                (values["random"], values["lt"], values["execution"], values["serverDate"], now),
            )
            db.execute("DELETE FROM challenges WHERE created < ?", (now - 10 * self.challenge_ttl,))
        return values

    def take_challenge(self, random: str, lt: str, execution: str) -> bool:
        """Use a challenge once: True when it exists, matches, is unused and fresh (it is then spent)."""
        with self.db.transaction() as db:
            row = db.execute(
                "SELECT lt, execution, created, used FROM challenges WHERE random = ?", (random,)
            ).fetchone()
            if row is None or row["used"] or time.time() - row["created"] > self.challenge_ttl:
                return False
            if not (hmac.compare_digest(row["lt"], lt) and hmac.compare_digest(row["execution"], execution)):
                return False
            db.execute("UPDATE challenges SET used = 1 WHERE random = ?", (random,))
            return True

    # --------------------------------------------------------------------------------------------- tickets, sessions
    def new_ticket(self, card_id: str, service: str) -> str:
        """A one-time service ticket ``ST-…``."""
        ticket = f"ST-{secrets.token_urlsafe(24)}"
        with self.db.transaction() as db:
            db.execute(
                "INSERT INTO tickets (ticket, card_id, service, created) VALUES (?, ?, ?, ?)",
                (ticket, card_id, service, time.time()),
            )
        return ticket

    def redeem_ticket(self, ticket: str) -> str | None:
        """The card of a valid unused ticket (now spent), or None."""
        with self.db.transaction() as db:
            row = db.execute("SELECT card_id, created, used FROM tickets WHERE ticket = ?", (ticket,)).fetchone()
            if row is None or row["used"] or time.time() - row["created"] > self.ticket_ttl:
                return None
            db.execute("UPDATE tickets SET used = 1 WHERE ticket = ?", (ticket,))
            return str(row["card_id"])

    def new_session(self, card_id: str, kind: str) -> tuple[str, float]:
        """A session token of ``kind`` (``tgc`` or ``service``) and its expiry (epoch seconds)."""
        token = secrets.token_urlsafe(32)
        expires = time.time() + self.session_ttl
        with self.db.transaction() as db:
            db.execute(
                "INSERT INTO sessions (token, kind, card_id, expires) VALUES (?, ?, ?, ?)",
                (token, kind, card_id, expires),
            )
            db.execute("DELETE FROM sessions WHERE expires < ?", (time.time() - 3600,))
        return token, expires

    def session(self, token: str | None, kind: str = "service") -> SessionRecord | None:
        """The live session of a token, or None (unknown, expired, or its card locked since)."""
        if not token:
            return None
        rows = self.db.query(
            "SELECT s.kind, s.expires, c.* FROM sessions s JOIN cards c ON c.card_id = s.card_id"
            " WHERE s.token = ? AND s.kind = ?",
            (token, kind),
        )
        if not rows or rows[0]["expires"] < time.time() or rows[0]["locked"]:
            return None
        return SessionRecord(kind=rows[0]["kind"], card=_card(rows[0]), expires=rows[0]["expires"])

    def end_session(self, token: str) -> None:
        """Forget a session."""
        with self.db.transaction() as db:
            db.execute("DELETE FROM sessions WHERE token = ?", (token,))


def _card(row: sqlite3.Row) -> CardRecord:
    return CardRecord(
        card_id=row["card_id"],
        holder_name=row["holder_name"],
        id_number=row["id_number"],
        enterprise_code=row["enterprise_code"],
        enterprise_name=row["enterprise_name"],
        failures=row["failures"],
        locked=bool(row["locked"]),
        blacklisted=bool(row["blacklisted"]),
    )


__all__ = [
    "FACTORY_DEFAULT_PIN",
    "PIN_HASH_ROUNDS",
    "CardRecord",
    "LoginStore",
    "SessionRecord",
    "hash_pin",
]
