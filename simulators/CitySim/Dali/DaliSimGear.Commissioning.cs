using City.Protocols.Dali;

namespace City.Sim.Dali;

/// <summary>Special commands (broadcast, no address byte): DTRs, and the random-address commissioning state machine.</summary>
internal sealed partial class DaliSimGear
{
    private byte? Special(byte opcode, byte data, bool secondOfPair, Func<uint> drawRandomAddress, TimeSpan now)
    {
        bool initialised = IsInitialised(now);
        bool selected = initialised && RandomAddress == SearchAddress;
        switch (opcode)
        {
            case DaliSpecialOpcode.Terminate:
                _initialisedUntil = TimeSpan.Zero;
                Withdrawn = false;
                return null;
            case DaliSpecialOpcode.Dtr0:
                Dtr0 = data;
                return null;
            case DaliSpecialOpcode.Dtr1:
                Dtr1 = data;
                return null;
            case DaliSpecialOpcode.Dtr2:
                Dtr2 = data;
                return null;
            case DaliSpecialOpcode.Initialise when secondOfPair:
                bool mine = data switch
                {
                    0x00 => true,
                    0xFF => ShortAddress is null,
                    _ => (data & 1) == 1 && ShortAddress == data >> 1,
                };
                if (mine)
                {
                    _initialisedUntil = now + (InitialiseDuration * TimeScale); // a protocol timer: real minutes on the gear's clock
                    Withdrawn = false;
                }

                return null;
            case DaliSpecialOpcode.Randomise when secondOfPair && initialised:
                RandomAddress = drawRandomAddress() & NoRandomAddress;
                return null;
            case DaliSpecialOpcode.Compare:
                return initialised && !Withdrawn && RandomAddress <= SearchAddress ? Yes : null;
            case DaliSpecialOpcode.Withdraw:
                if (selected)
                {
                    Withdrawn = true;
                }

                return null;
            case DaliSpecialOpcode.SearchAddressH:
                SearchAddress = (SearchAddress & 0x00FFFF) | ((uint)data << 16);
                return null;
            case DaliSpecialOpcode.SearchAddressM:
                SearchAddress = (SearchAddress & 0xFF00FF) | ((uint)data << 8);
                return null;
            case DaliSpecialOpcode.SearchAddressL:
                SearchAddress = (SearchAddress & 0xFFFF00) | data;
                return null;
            case DaliSpecialOpcode.ProgramShortAddress when selected:
                if (data == 0xFF)
                {
                    ShortAddress = null;
                }
                else if ((data & 1) == 1 && (data >> 1) <= DaliAddress.MaxShortAddress)
                {
                    ShortAddress = (byte)(data >> 1);
                }

                return null;
            case DaliSpecialOpcode.VerifyShortAddress:
                return initialised && (data & 1) == 1 && ShortAddress == data >> 1 ? Yes : null;
            case DaliSpecialOpcode.QueryShortAddress:
                return selected ? (ShortAddress is byte a ? DaliSpecial.ShortAddressData(a) : (byte)0xFF) : null;
            case DaliSpecialOpcode.WriteMemoryLocation:
            case DaliSpecialOpcode.WriteMemoryLocationNoReply:
                byte? written = WriteMemory(data, now);
                return opcode == DaliSpecialOpcode.WriteMemoryLocation ? written : null;
            default:
                return null;
        }
    }
}
