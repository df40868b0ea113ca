"""The E-Port operator IC card (操作员卡): ISO 7816 APDUs, PC/SC readers, the card application and the E-Port
client's local signing service."""
