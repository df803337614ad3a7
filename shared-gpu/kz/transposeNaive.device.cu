#include <cuda_fp16.h>
#include <cuda_bf16.h>
/* Copyright (c) 2022, NVIDIA CORPORATION. All rights reserved.
 *
 * Redistribution and use in source and binary forms, with or without
 * modification, are permitted provided that the following conditions
 * are met:
 *  * Redistributions of source code must retain the above copyright
 *    notice, this list of conditions and the following disclaimer.
 *  * Redistributions in binary form must reproduce the above copyright
 *    notice, this list of conditions and the following disclaimer in the
 *    documentation and/or other materials provided with the distribution.
 *  * Neither the name of NVIDIA CORPORATION nor the names of its
 *    contributors may be used to endorse or promote products derived
 *    from this software without specific prior written permission.
 *
 * THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS ``AS IS'' AND ANY
 * EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
 * IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR
 * PURPOSE ARE DISCLAIMED.  IN NO EVENT SHALL THE COPYRIGHT OWNER OR
 * CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL,
 * EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO,
 * PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR
 * PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY
 * OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT
 * (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
 * OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
 */

// -----------------------------------------------------------------------------
// Transpose
//
// This file contains both device and host code for transposing a floating-point
// matrix.  It performs several transpose kernels, which incrementally improve
// performance through coalescing, removing shared memory bank conflicts, and
// eliminating partition camping.  Several of the kernels perform a copy, used
// to represent the best case performance that a transpose can achieve.
//
// Please see the whitepaper in the docs folder of the transpose project for a
// detailed description of this performance study.
// -----------------------------------------------------------------------------

#include <cooperative_groups.h>

namespace cg = cooperative_groups;
// Utilities and system includes
                                                                      
                                                                  
                                                       

                                     

// Each block transposes/copies a tile of TILE_DIM x TILE_DIM elements
// using TILE_DIM x BLOCK_ROWS threads, so that each thread transposes
// TILE_DIM/BLOCK_ROWS elements.  TILE_DIM must be an integral multiple of
// BLOCK_ROWS

#define TILE_DIM   32
#define BLOCK_ROWS 16

// This sample assumes that MATRIX_SIZE_X = MATRIX_SIZE_Y
                         
                         
                             

#define FLOOR(a, b) (a - (a % b))

// Compute the tile size necessary to illustrate performance cases for SM20+
// hardware
                                                                                                

// Number of repetitions used for timing.  Two sets of repetitions are
// performed: 1) over kernel launches and 2) inside the kernel over just the
// loads and stores

#define NUM_REPS 100

// -------------------------------------------------------
// Copies
// width and height must be integral multiples of TILE_DIM
// -------------------------------------------------------

                                                                       
 
                                                     
                                                     

                                        

                                                    
                                                            
     
 

                                                                                
 
                                   
                                                   
                                              

                                                     
                                                     

                                        

                                                    
                                                
                                                                          
         
     

                  

                                                    
                                                
                                                                          
         
     
 

// -------------------------------------------------------
// Transposes
// width and height must be integral multiples of TILE_DIM
// -------------------------------------------------------

__global__ void transposeNaive(float *odata, float *idata, int width, int height)
{
    int xIndex = blockIdx.x * TILE_DIM + threadIdx.x;
    int yIndex = blockIdx.y * TILE_DIM + threadIdx.y;

    int index_in  = xIndex + width * yIndex;
    int index_out = yIndex + height * xIndex;

    for (int i = 0; i < TILE_DIM; i += BLOCK_ROWS) {
        odata[index_out + i] = idata[index_in + i * width];
    }
}

// coalesced transpose (with bank conflicts)

                                                                                     
 
                                   
                                                   
                                              

                                                       
                                                       
                                           

                                                        
                                                        
                                             

                                                    
                                                                         
     

                  

                                                    
                                                                           
     
 

// Coalesced transpose with no bank conflicts

                                                                                           
 
                                   
                                                   
                                                  

                                                       
                                                       
                                           

                                                        
                                                        
                                             

                                                    
                                                                         
     

                  

                                                    
                                                                           
     
 

// Transpose that effectively reorders execution of thread blocks along
// diagonals of the matrix (also coalesced and has no bank conflicts)
//
// Here blockIdx.x is interpreted as the distance along a diagonal and
// blockIdx.y as corresponding to different diagonals
//
// blockIdx_x and blockIdx_y expressions map the diagonal coordinates to the
// more commonly used cartesian coordinates so that the only changes to the code
// from the coalesced version are the calculation of the blockIdx_x and
// blockIdx_y and replacement of blockIdx.x and bloclIdx.y with the subscripted
// versions in the remaining code

                                                                                    
 
                                   
                                                   
                                                  

                               

                             
                          
                                
                                                           
     
          
                                                         
                                     
                                                                  
     

                                                                                  
                                     

                                                       
                                                       
                                           

                                                        
                                                        
                                             

                                                    
                                                                         
     

                  

                                                    
                                                                           
     
 

// --------------------------------------------------------------------
// Partial transposes
// NB: the coarse- and fine-grained routines only perform part of a
//     transpose and will fail the test against the reference solution
//
//     They are used to assess performance characteristics of different
//     components of a full transpose
// --------------------------------------------------------------------

                                                                                       
 
                                   
                                                   
                                                   

                                                     
                                                     
                                         

                                                    
                                                                       
     

                  

                                                    
                                                                        
     
 

                                                                                         
 
                                   
                                                   
                                                   

                                                       
                                                       
                                           

                                                        
                                                        
                                             

                                                    
                                                                          
     

                  

                                                    
                                                                            
     
 

// ---------------------
// host utility routines
// ---------------------

                                                                                        
 
                                      
                                          
                                                             
         
     
 

                                                                                                             
 
                                                                                 
                     
                                                              
                                                                          

                                    
                                                                                                            
         
              
                                                    
         
     
          
                              
                                    
     

                                                              
                                                                          

                                    
                                                                                                            
         
              
                                                    
         
     
          
                              
                                    
     
 

               
 
                                                        
                                                                              
                                                                                  
                                                                
                                                                
 

// ----
// main
// ----

                               
 
                 
                                             

                                                              
                   
                 
     

                                                                     
                              

                                    
                                           
                                                                 

                                                           
                                    
                       
                                                                                                                     
              

                                                            
                                                                                    

                                                                                 
            
                                                         

                                                                              
                                                       

                                                                                         

                                       
                              
                                          
     

                                                                
                           
                                          
                                                                   
                                                                                                     

                                                                           

                                                                            
                                     
                                                                      

                           
                                                                                  
                                                   
                          
                      
                       
                           
     

                                                           
                                                                    
                                      
                           
                           
     

                                    
                                               
                           

                                         
                                                                                   

                                   
                                                                                            
                           
     

                  
                            

                                                  
                                                                           

                                                   
                                                                                  
                                                        
                           
     

                           
                                                     
                                                     
                                                     
                

                             
                             
                                                             
                                                             

                           
                                                 
                              
     

                               
                                                                                    

                                           
                                                                 

                                            
                                                                               
                       
                  
                  
                             
                             
                    
                    
                    
                       

                        
                                             
                                            

      
                                  
      

                        

                                 
                             
                    
               
                               
                                              
                  

               
                                        
                                              
                  

               
                                         
                                              
                  

               
                                             
                                              
                  

               
                                                   
                                              
                  

               
                                                 
                                              
                  

               
                                               
                                              
                  

               
                                            
                                              
                  
         

                                 
                                                          
                           
         
                                                                                        
                                                                            
                                                          
         
              
                                 
         

                             
                                            

                                         
                                                                    

                                                          
                                                   

                                            
                                                                        
                                       
                                                
         

                                                  
                                                    
                         
                                                                        

                                                                                        
                                                                            

                           
                                                             
                            
         

                                                   
                                                                                        
                                                                       

                           
                                                             
                            
         

                                      
                                                                                                           
                                                                                      
                                                              
                          
                               
                                     
                                 
                 
                                      

                                                                                 
                                                                                    
                                                                          
                                                                                     
                                                     
                                                     
                           
         
                                   
                                                                                        
     

              
                  
                  
                        
                      
                      

                                             
                                            

                   
                                 
                           
     

                            
                       
 
