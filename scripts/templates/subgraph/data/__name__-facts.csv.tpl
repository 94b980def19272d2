id,stp_code,kind,value,unit,qualifier,statement,source_document,source_line
__name__.example.1,QJM,EXAMPLE,,,,STP update for Governing Bodies and Trust Boards,seeds/000_647e8cd618725ea4.txt,5
