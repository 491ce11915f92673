using System.Text;

namespace City.Protocols.Tic.Tests;

/// <summary>
/// Frames recorded from Linky meters, as published in the test data of the open-source teleinfo-nom parser
/// (github.com/gaetronik/teleinfo-nom, its standard/historic message tests): a single-phase historic frame of a Tempo
/// (BBR) contract and a three-phase standard frame of a Tempo contract on a white day, off-peak hours. Kept byte for
/// byte, checksums included; the checksum method of each mode is Enedis-NOI-CPT_54E's.
/// </summary>
internal static class TicVectors
{
    public const string HistoricTempoGroups =
        "\nADCO 031961098836 M\r\nOPTARIF BBR( S\r\nISOUSC 45 ?\r\nBBRHCJB 001478389 E\r\nBBRHPJB 001012295 >\r\nBBRHCJW 000134553 G\r" +
        "\nBBRHPJW 000213701 M\r\nBBRHCJR 000025098 E\r\nBBRHPJR 000006010 A\r\nPTEC HPJB P\r\nDEMAIN BLEU V\r\nIINST 001 X\r\nIMAX 060 E\r" +
        "\nPAPP 00120 $\r\nHHPHC A ,\r\nMOTDETAT 000000 B\r";

    public const string StandardThreePhaseGroups =
        "\nADSC\t041776199277\tI\r\nVTIC\t02\tJ\r\nDATE\tH200214230804\t\t;\r\nNGTF\t     TEMPO      \tF\r\nLTARF\t   HC  BLANC    \t6\r" +
        "\nEAST\t021849106\t.\r\nEASF01\t004855593\tI\r\nEASF02\t014090959\tH\r\nEASF03\t000487131\t<\r\nEASF04\t001481464\tA\r" +
        "\nEASF05\t000227596\tE\r\nEASF06\t000706363\t@\r\nEASF07\t000000000\t(\r\nEASF08\t000000000\t)\r\nEASF09\t000000000\t*\r" +
        "\nEASF10\t000000000\t\"\r\nEASD01\t021849106\t?\r\nEASD02\t000000000\t!\r\nEASD03\t000000000\t\"\r\nEASD04\t000000000\t#\r" +
        "\nIRMS1\t003\t1\r\nIRMS2\t006\t5\r\nIRMS3\t003\t3\r\nURMS1\t237\tF\r\nURMS2\t238\tH\r\nURMS3\t235\tF\r\nPREF\t30\tB\r\nPCOUP\t30\t\\\r" +
        "\nSINSTS\t02700\tO\r\nSINSTS1\t00664\tG\r\nSINSTS2\t01373\tF\r\nSINSTS3\t00664\tI\r\nSMAXSN\tH200214175135\t10802\t7\r" +
        "\nSMAXSN1\tH200214175135\t03411\t&\r\nSMAXSN2\tH200214175135\t03899\t;\r\nSMAXSN3\tH200214175135\t03512\t*\r" +
        "\nSMAXSN-1\tH200213085118\t09562\t \r\nSMAXSN1-1\tH200213085118\t03129\tJ\r\nSMAXSN2-1\tH200213101142\t03366\t@\r" +
        "\nSMAXSN3-1\tH200213085118\t03191\tK\r\nCCASN\tH200214230000\t01650\t5\r\nCCASN-1\tH200214225000\t00786\t \r" +
        "\nUMOY1\tH200214230000\t237\t(\r\nUMOY2\tH200214230000\t238\t*\r\nUMOY3\tH200214230000\t236\t)\r\nSTGE\t463A0800\tK\r" +
        "\nDPM1\t 200214060000\t00\t\\\r\nFPM1\t 200215060000\t00\t_\r\nMSG1\tPAS DE          MESSAGE         \t<\r\nPRM\t07361794479930\tF\r" +
        "\nRELAIS\t001\tC\r\nNTARF\t03\tP\r\nNJOURF\t00\t&\r\nNJOURF+1\t00\tB\r" +
        "\nPJOURF+1\t00004001 06004002 22004001 NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE NONUTILE\t.\r";

    public static byte[] HistoricFrame => Frame(HistoricTempoGroups);

    public static byte[] StandardFrame => Frame(StandardThreePhaseGroups);

    public static byte[] Frame(string groups) => Encoding.ASCII.GetBytes("\u0002" + groups + "\u0003");

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    /// <summary>Sets the even-parity bit of every byte, as a UART at 7E1 puts it on the wire and a pty hands it over.</summary>
    public static byte[] WithEvenParity(byte[] bytes) =>
        bytes.Select(b => (byte)(System.Numerics.BitOperations.PopCount(b) % 2 == 1 ? b | 0x80 : b)).ToArray();
}
