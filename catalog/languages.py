"""The MARC code list for languages: the three-letter codes a record's language is written in."""

# ISO 639-2/B, as MARC 21 writes languages (fre, ger, chi), taken from the iso-codes project's
# iso_639-2.json (4.15.0); the range qaa-qtz it reserves for local use is not MARC's.
_CODES = """
    aar abk ace ach ada ady afa afh afr ain aka akk alb ale alg alt amh ang anp apa ara arc
    arg arm arn arp art arw asm ast ath aus ava ave awa aym aze bad bai bak bal bam ban baq
    bas bat bej bel bem ben ber bho bih bik bin bis bla bnt bos bra bre btk bua bug bul bur
    byn cad cai car cat cau ceb cel cha chb che chg chi chk chm chn cho chp chr chu chv chy
    cmc cnr cop cor cos cpe cpf cpp cre crh crp csb cus cze dak dan dar day del den dgr din
    div doi dra dsb dua dum dut dyu dzo efi egy eka elx eng enm epo est ewe ewo fan fao fat
    fij fil fin fiu fon fre frm fro frr frs fry ful fur gaa gay gba gem geo ger gez gil gla
    gle glg glv gmh goh gon gor got grb grc gre grn gsw guj gwi hai hat hau haw heb her hil
    him hin hit hmn hmo hrv hsb hun hup iba ibo ice ido iii ijo iku ile ilo ina inc ind ine
    inh ipk ira iro ita jav jbo jpn jpr jrb kaa kab kac kal kam kan kar kas kau kaw kaz kbd
    kha khi khm kho kik kin kir kmb kok kom kon kor kos kpe krc krl kro kru kua kum kur kut
    lad lah lam lao lat lav lez lim lin lit lol loz ltz lua lub lug lui lun luo lus mac mad
    mag mah mai mak mal man mao map mar mas may mdf mdr men mga mic min mis mkh mlg mlt mnc
    mni mno moh mon mos mul mun mus mwl mwr myn myv nah nai nap nau nav nbl nde ndo nds nep
    new nia nic niu nno nob nog non nor nqo nso nub nwc nya nym nyn nyo nzi oci oji ori orm
    osa oss ota oto paa pag pal pam pan pap pau peo per phi phn pli pol pon por pra pro pus
    que raj rap rar roa roh rom rum run rup rus sad sag sah sai sal sam san sas sat scn sco
    sel sem sga sgn shn sid sin sio sit sla slo slv sma sme smi smj smn smo sms sna snd snk
    sog som son sot spa srd srn srp srr ssa ssw suk sun sus sux swa swe syc syr tah tai tam
    tat tel tem ter tet tgk tgl tha tib tig tir tiv tkl tlh tli tmh tog ton tpi tsi tsn tso
    tuk tum tup tur tut tvl twi tyv udm uga uig ukr umb und urd uzb vai ven vie vol vot wak
    wal war was wel wen wln wol xal xho yao yap yid yor ypk zap zbl zen zgh zha znd zul zun
    zxx zza
"""
MARC_LANGUAGES = frozenset(_CODES.split())

# ISO 639-2/T codes (fra, deu, zho) and the MARC code of the same language, to say which to use.
MARC_FOR_TERMINOLOGY = {
    "bod": "tib",
    "ces": "cze",
    "cym": "wel",
    "deu": "ger",
    "ell": "gre",
    "eus": "baq",
    "fas": "per",
    "fra": "fre",
    "hye": "arm",
    "isl": "ice",
    "kat": "geo",
    "mkd": "mac",
    "mri": "mao",
    "msa": "may",
    "mya": "bur",
    "nld": "dut",
    "ron": "rum",
    "slk": "slo",
    "sqi": "alb",
    "zho": "chi",
}


# The languages Stacks speaks (settings.LANGUAGES) by their MARC codes: a new record starts in
# its library's language, and a page names a library's language as it names a record's.
MARC_FOR_SPOKEN = {"en": "eng", "fr": "fre", "de": "ger", "es": "spa"}
